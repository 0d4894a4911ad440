import { Placeholder } from '../../app/Placeholder.tsx';

/** Placeholder: the Settings view (replace this component; the route is in app/routes.tsx). */
export function SettingsView() {
  return <Placeholder name="Settings" />;
}
