export { Badge, type BadgeTone } from './Badge.tsx';
export { Dialog } from './Dialog.tsx';
export { FieldError, isFieldError } from './FieldError.tsx';
export { ProgressBar } from './ProgressBar.tsx';
export { ProgressRing } from './ProgressRing.tsx';
export { Sparkline, binUsage } from './Sparkline.tsx';
export { StepIndicator } from './StepIndicator.tsx';
export { ThemeToggle, applyTheme } from './ThemeToggle.tsx';
export * from './format.ts';
