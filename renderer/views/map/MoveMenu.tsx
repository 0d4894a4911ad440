import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import type { Dataset } from '../../../core/contracts/datasets.ts';
import { useApp } from '../../store/index.ts';
import { targetsFor, type MoveTarget } from './targets.ts';

/** The keyboard path of drag-to-migrate: a menu of the cells this dataset can move to. */
export function MoveMenu(props: {
  dataset: Dataset;
  onChoose: (t: MoveTarget) => void;
  onClose: () => void;
}) {
  const locations = useApp((s) => s.locations);
  const options = useMemo(
    () => targetsFor(props.dataset, Object.values(locations)),
    [props.dataset, locations],
  );
  const ref = useRef<HTMLDivElement>(null);
  const { onClose } = props;

  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    const outside = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    document.addEventListener('mousedown', outside);
    return () => document.removeEventListener('mousedown', outside);
  }, [onClose]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(ref.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    const focus = (n: number) => items[(n + items.length) % items.length]?.focus();
    if (e.key === 'ArrowDown') focus(i + 1);
    else if (e.key === 'ArrowUp') focus(i - 1);
    else if (e.key === 'Home') focus(0);
    else if (e.key === 'End') focus(items.length - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') {
      onClose();
      if (e.key === 'Escape') e.stopPropagation();
    } else return;
    if (e.key !== 'Tab') e.preventDefault();
  };

  return (
    <div
      ref={ref}
      className="menu"
      role="menu"
      aria-label={`Move ${props.dataset.name} to`}
      onKeyDown={onKeyDown}
      data-testid={`move-menu-${props.dataset.id}`}
    >
      {options.length === 0 && <p className="menu-empty">No other location offers a tier.</p>}
      {options.map((o) => (
        <button
          key={`${o.location}|${o.tier}`}
          type="button"
          role="menuitem"
          tabIndex={-1}
          className="menu-item"
          onClick={() => props.onChoose({ location: o.location, tier: o.tier })}
          data-testid={`move-target-${o.location}-${o.tier}`}
        >
          <span className={`tier-dot tier-${o.tier}`} aria-hidden="true" />
          {o.location} · {o.tier}
          <span className="muted">
            {' '}
            ({o.storageClass}, {o.group})
          </span>
        </button>
      ))}
    </div>
  );
}
