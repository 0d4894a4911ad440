export { DatasetsView } from './DatasetsView.tsx';
