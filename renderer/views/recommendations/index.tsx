import { Placeholder } from '../../app/Placeholder.tsx';

/** Placeholder: the Recommendations view (replace this component; the route is in app/routes.tsx). */
export function RecommendationsView() {
  return <Placeholder name="Recommendations" />;
}
