export { QueueView } from './QueueView.tsx';
