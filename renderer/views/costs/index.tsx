import { Placeholder } from '../../app/Placeholder.tsx';

/** Placeholder: the Costs view (replace this component; the route is in app/routes.tsx). */
export function CostsView() {
  return <Placeholder name="Costs" />;
}
