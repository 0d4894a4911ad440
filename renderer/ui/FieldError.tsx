import type { ApiError } from '../../core/contracts/api-error.ts';

/** The server's own message, next to the input it names (`body.storage_class` → storage_class). */
export function FieldError(props: { error: ApiError | null; field: string | string[]; id?: string }) {
  const names = Array.isArray(props.field) ? props.field : [props.field];
  if (!props.error || !props.error.fieldName || !names.includes(props.error.fieldName)) return null;
  return (
    <p className="field-error" role="alert" id={props.id} data-testid={`field-error-${names[0]}`}>
      {props.error.message}
    </p>
  );
}

/** True when the error names one of these fields (so a general alert need not repeat it). */
export const isFieldError = (error: ApiError | null, fields: string[]): boolean =>
  !!error?.fieldName && fields.includes(error.fieldName);
