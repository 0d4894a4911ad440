export { CostsView } from './CostsView.tsx';
