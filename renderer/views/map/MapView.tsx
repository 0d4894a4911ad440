export function MapView() {
  return (
    <section className="view" data-testid="view-map">
      <h1>Map</h1>
    </section>
  );
}
