import type { ApiError } from '../../../core/contracts/api-error.ts';

/** The field an error names, without its `body.` root: `tiers.hot.price_per_gb_month`. */
export const errorPath = (error: ApiError | null): string | undefined =>
  error?.field?.replace(/^body\./, '').replace(/\[(\d+)\]/g, '.$1');

/**
 * Like FieldError, for nested fields (the same last name appears under each tier): the
 * server's message when the error names exactly `path`.
 */
export function PathError(props: { error: ApiError | null; path: string }) {
  if (!props.error || errorPath(props.error) !== props.path) return null;
  return (
    <p className="field-error" role="alert" data-testid={`field-error-${props.path.replace(/\./g, '-')}`}>
      {props.error.message}
    </p>
  );
}
