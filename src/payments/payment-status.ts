/** Where a payment is in its life (see DESIGN.md, "Payment lifecycle"). */
export type PaymentStatus =
  | 'pending'
  | 'detected'
  | 'confirmed'
  | 'settled'
  | 'expired'
  | 'canceled';

/** What is off about the money beside the status; null when nothing is. */
export type PaymentException = 'underpaid' | 'overpaid' | 'late';

/** A transfer's standing: too few confirmations, enough, or its block left the chain. */
export type TransferStatus = 'pending' | 'confirmed' | 'removed';

/** Statuses the chain can no longer move a payment out of. */
export const FINAL_STATUSES: readonly PaymentStatus[] = ['settled', 'canceled'];

/** Statuses in which the payment still waits for money or confirmations. */
export const OPEN_STATUSES: readonly PaymentStatus[] = ['pending', 'detected'];
