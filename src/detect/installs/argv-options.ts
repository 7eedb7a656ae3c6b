// Splits a tool's arguments into options and positionals, the way getopt-style parsers do:
// `--name=value`, `--name value` for the options known to take one, clustered short options
// (`-qU`, `-Ur file`), and `--` ending the options. Each tool's parser names its value-taking
// options; everything else is a switch.

export interface ParsedOption {
  /** as written: `--registry`, `-g` */
  name: string;
  value: string | undefined;
}

export interface ParsedArgs {
  positionals: string[];
  options: ParsedOption[];
  /** the arguments left unread: after `--`, or after the first positional with stopAtPositional */
  rest: string[];
}

export interface OptionSpec {
  /** options that take a value, long (`--index-url`) and short (`-i`) */
  withValue: ReadonlySet<string>;
  /** stop at the first positional (npx, uvx, dlx: what follows belongs to the command run) */
  stopAtPositional?: boolean;
  /** every option is a word after one dash, never a cluster (go's flag package: `-tags x`, `-u`) */
  singleDashLong?: boolean;
}

export function parseArgs(args: readonly string[], spec: OptionSpec): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: [], rest: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      out.rest = args.slice(i + 1);
      break;
    }
    if (arg.startsWith('--') || (spec.singleDashLong === true && arg.length > 1 && arg.startsWith('-'))) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        out.options.push({ name: arg.slice(0, eq), value: arg.slice(eq + 1) });
      } else if (spec.withValue.has(arg) && i + 1 < args.length) {
        out.options.push({ name: arg, value: args[++i] });
      } else {
        out.options.push({ name: arg, value: undefined });
      }
      continue;
    }
    if (arg.length > 1 && arg.startsWith('-')) {
      for (let c = 1; c < arg.length; c++) {
        const name = `-${arg[c] as string}`;
        if (!spec.withValue.has(name)) {
          out.options.push({ name, value: undefined });
          continue;
        }
        const attached = arg.slice(c + 1).replace(/^=/, '');
        if (attached !== '') out.options.push({ name, value: attached });
        else if (i + 1 < args.length) out.options.push({ name, value: args[++i] });
        else out.options.push({ name, value: undefined });
        break;
      }
      continue;
    }
    out.positionals.push(arg);
    if (spec.stopAtPositional === true) {
      out.rest = args.slice(i + 1);
      break;
    }
  }
  return out;
}

/** `--name` or `--name=value`, the form InstallCommand.flags uses */
export function flagStrings(options: readonly ParsedOption[]): string[] {
  return options.map((o) => (o.value === undefined ? o.name : `${o.name}=${o.value}`));
}

/** whether any of the names was given */
export function hasOption(options: readonly ParsedOption[], ...names: string[]): boolean {
  return options.some((o) => names.includes(o.name));
}

/** every value given to any of the names, in order */
export function optionValues(options: readonly ParsedOption[], ...names: string[]): string[] {
  return options.flatMap((o) => (names.includes(o.name) && o.value !== undefined ? [o.value] : []));
}
