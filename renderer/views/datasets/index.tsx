import { Placeholder } from '../../app/Placeholder.tsx';

/** Placeholder: the Datasets view (replace this component; the route is in app/routes.tsx). */
export function DatasetsView() {
  return <Placeholder name="Datasets" />;
}
