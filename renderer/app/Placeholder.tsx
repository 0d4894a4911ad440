export function Placeholder(props: { name: string }) {
  return (
    <section className="view placeholder" data-testid={`view-placeholder-${props.name.toLowerCase()}`}>
      <h1>{props.name}</h1>
      <p>This view is coming next.</p>
    </section>
  );
}
