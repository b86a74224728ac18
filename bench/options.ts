// Commander option parsers shared by the bench scripts: a bad number is a usage error
// (commander prints it with the option's name and exits 1) instead of a NaN in the run.
import { InvalidArgumentError } from 'commander';

/** A whole number ≥ 1, e.g. `--reps 30`. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1.');
  return n;
}

/** Any whole number, e.g. `--seed 0`. */
export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number.');
  return n;
}
