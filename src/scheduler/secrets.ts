// Credentials as a deployment names them: an environment variable, or a file that holds the
// value alone (a Docker or Kubernetes secret mounted at /run/secrets/...). The deployment file
// is reviewed and committed, so it only ever says where a credential is; messages name the
// variable or the file, never what it holds.
import { readFileSync } from "node:fs";
import { message, type Message } from "../diagnostics/catalog.js";

/** Where a credential is: `{env: NAME}`, or `{file: PATH}` (resolved against the file that names it). */
export type SecretRef = { readonly env: string } | { readonly file: string };

/** A secret file holds one token or key; anything larger is not one (and is not read into memory). */
const MAX_SECRET_BYTES = 64 * 1024;

/**
 * Reads a credential. A file's value is its text less one final line break (as `echo` and
 * editors leave one); a value that is empty, a file that cannot be read or is too large, is a
 * problem that names the variable or the file.
 */
export function readSecret(ref: SecretRef | undefined, env: Readonly<Record<string, string | undefined>>, what: string): { value?: string; problem?: Message<"DEP004"> } {
  if (ref === undefined) return {};
  if ("env" in ref) {
    const value = env[ref.env];
    if (value === undefined || value === "") return { problem: message("DEP004", "unset", { what, variable: ref.env }) };
    return { value };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(ref.file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "ENOENT" ? "there is no such file" : code === "EACCES" || code === "EPERM" ? "this user may not read it" : code === "EISDIR" ? "it is a folder" : (error as Error).message;
    return { problem: message("DEP004", "secretFileUnreadable", { what, file: ref.file, reason }) };
  }
  if (bytes.length > MAX_SECRET_BYTES) return { problem: message("DEP004", "secretFileTooLarge", { what, file: ref.file, limit: MAX_SECRET_BYTES / 1024 }) };
  const value = bytes.toString("utf8").replace(/\r?\n$/, "");
  if (value === "") return { problem: message("DEP004", "secretFileEmpty", { what, file: ref.file }) };
  return { value };
}

/** Where a connection's credentials are: as a deployment's connections name them. */
export interface NamedSecrets {
  readonly token?: SecretRef;
  readonly webhookSecret?: SecretRef;
}

/**
 * Every credential the connections name, as the environment and the files hold them: all of
 * them, used or not, set or not, for a redactor (connectors/redact.ts) to keep out of what is
 * printed and stored. `given` holds values that stand in for them (the sandbox's own).
 */
export function credentialsOf(connections: Iterable<NamedSecrets & { readonly name?: string }>, env: Readonly<Record<string, string | undefined>>, given?: ReadonlyMap<string, NamedValues>): string[] {
  const values: string[] = [];
  for (const c of connections) {
    for (const which of ["token", "webhookSecret"] as const) {
      const value = (c.name !== undefined ? given?.get(c.name)?.[which] : undefined) ?? readSecret(c[which], env, "").value;
      if (value !== undefined) values.push(value);
    }
  }
  return values;
}

/** A connection's credentials as values. */
export interface NamedValues {
  readonly token?: string;
  readonly webhookSecret?: string;
}

/** How a reference is shown in a message: the variable, or the file. */
export function secretPlace(ref: SecretRef): string {
  return "env" in ref ? `the variable ${ref.env}` : `the file ${ref.file}`;
}
