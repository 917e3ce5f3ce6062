import type { NamedPredicate } from '../named-predicates';

/** Predicates on NixOS option values. */
export const NIXOS_PREDICATES: Record<string, NamedPredicate> = {};
