import { DEFAULT_CONFIG, NAME_PATTERN } from '../../../../src-shared/config-schema';
import type { QueueOptions } from '../../../../src-shared/job';
import { partialQueueOptionsSchema } from '../../../../src-shared/queue-options-schema';
import { formatCount } from '../../lib/format';

/** The create-queue form as data: its text fields, and the `queues.create` options they make. */

export type NumericKey = 'maxLength' | 'maxRetries' | 'delayMs' | 'maxDelayMs' | 'leaseMs';

export interface QueueDraft {
  name: string;
  maxLength: string;
  maxRetries: string;
  backoffType: '' | 'fixed' | 'exponential';
  delayMs: string;
  maxDelayMs: string;
  leaseMs: string;
}

export const EMPTY_DRAFT: QueueDraft = {
  name: '',
  maxLength: '',
  maxRetries: '',
  backoffType: '',
  delayMs: '',
  maxDelayMs: '',
  leaseMs: '',
};

/** Empty fields are not sent: the queue takes config.yml's default, shown as the placeholder. */
export function draftToOptions(d: QueueDraft): {
  options: Partial<QueueOptions>;
  errors: Partial<Record<NumericKey | 'name' | 'backoff', string>>;
} {
  const errors: Partial<Record<NumericKey | 'name' | 'backoff', string>> = {};
  if (!NAME_PATTERN.test(d.name)) errors.name = 'Use 1-100 letters, digits, ".", "_" or "-".';
  const num = (key: NumericKey, min: number): number | undefined => {
    const raw = d[key].trim();
    if (raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) errors[key] = `Expected a whole number ≥ ${formatCount(min)}.`;
    return n;
  };
  const options: Partial<QueueOptions> = {};
  const maxLength = num('maxLength', 1);
  const maxRetries = num('maxRetries', 0);
  const leaseMs = num('leaseMs', 1000);
  const delayMs = num('delayMs', 0);
  const maxDelayMs = num('maxDelayMs', 0);
  if (maxLength !== undefined) options.maxLength = maxLength;
  if (maxRetries !== undefined) options.maxRetries = maxRetries;
  if (leaseMs !== undefined) options.leaseMs = leaseMs;
  const D = DEFAULT_CONFIG.queue.backoff;
  if (d.backoffType !== '' || delayMs !== undefined || maxDelayMs !== undefined) {
    // Backoff travels whole: unset parts take the defaults.
    options.backoff = { type: d.backoffType || D.type, delayMs: delayMs ?? D.delay_ms, maxDelayMs: maxDelayMs ?? D.max_delay_ms };
    if (options.backoff.type === 'exponential' && options.backoff.maxDelayMs < options.backoff.delayMs && !errors.maxDelayMs) {
      errors.maxDelayMs = 'Exponential backoff needs a max delay at least the delay.';
    }
  }
  // The shared schema is what the server checks: a last guard against drift.
  const parsed = partialQueueOptionsSchema.safeParse(options);
  if (!parsed.success && Object.keys(errors).length === 0) errors.backoff = parsed.error.issues.map((i) => i.message).join('; ');
  return { options, errors };
}
