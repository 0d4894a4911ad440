import type { ComponentType } from 'react';
import { MapView } from '../views/map/index.tsx';
import { QueueView } from '../views/queue/index.tsx';
import { RecommendationsView } from '../views/recommendations/index.tsx';
import { CostsView } from '../views/costs/index.tsx';
import { DatasetsView } from '../views/datasets/index.tsx';
import { SettingsView } from '../views/settings/index.tsx';

export interface RouteDef {
  /** The hash path: `#/map`. */
  path: string;
  /** The nav link's text. */
  label: string;
  component: ComponentType;
}

/** The nav and the views, in nav order. A new view is one line here. */
export const ROUTES: RouteDef[] = [
  { path: 'map', label: 'Map', component: MapView },
  { path: 'queue', label: 'Queue', component: QueueView },
  { path: 'recommendations', label: 'Recommendations', component: RecommendationsView },
  { path: 'costs', label: 'Costs', component: CostsView },
  { path: 'datasets', label: 'Datasets', component: DatasetsView },
  { path: 'settings', label: 'Settings', component: SettingsView },
];

export const DEFAULT_ROUTE = 'map';
