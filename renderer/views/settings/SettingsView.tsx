import { ConnectionSection } from './ConnectionSection.tsx';
import { LocationsSection } from './LocationsSection.tsx';
import { PoliciesSection } from './PoliciesSection.tsx';
import { PolicyDocumentSection } from './PolicyDocumentSection.tsx';
import { RestPortSection } from './RestPortSection.tsx';
import '../shared.css';
import './settings.css';

/** Locations (add, test), policies, and how this window reaches the engine. */
export function SettingsView() {
  return (
    <section className="view settings-view" data-testid="view-settings" aria-labelledby="settings-title">
      <div className="view-header">
        <h1 id="settings-title">Settings</h1>
      </div>
      <LocationsSection />
      <PoliciesSection />
      <PolicyDocumentSection />
      <ConnectionSection />
      {window.datamotionDesktop && <RestPortSection desktop={window.datamotionDesktop} />}
    </section>
  );
}
