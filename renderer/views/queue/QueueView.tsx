export function QueueView() {
  return (
    <section className="view" data-testid="view-queue">
      <h1>Migration queue</h1>
    </section>
  );
}
