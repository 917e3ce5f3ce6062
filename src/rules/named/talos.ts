import type { NamedPredicate } from '../named-predicates';

/** Predicates on Talos machine-config values. */
export const TALOS_PREDICATES: Record<string, NamedPredicate> = {};
