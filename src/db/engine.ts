/** The database engines cTrip runs on. Everything that differs between them lives in db/. */
export type Engine = 'postgres' | 'sqlite';
