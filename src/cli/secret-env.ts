// Secrets for processes nobody types into (services, CI): the variable itself,
// or `<NAME>_FILE` naming a file that holds it (mode 0600, as `provide service
// install` writes it), or a systemd credential of the same name in lower case
// (`LoadCredential=cocoon_node_password:…` puts it in $CREDENTIALS_DIRECTORY).
// The file's path may be in a unit file; the secret never is.
import fs from 'node:fs';
import path from 'node:path';
import {CocoonError} from '../errors.js';

/** The secret `name` supplies through the environment, or undefined. */
export function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env[name]) return env[name];
  const file = env[`${name}_FILE`] || (env.CREDENTIALS_DIRECTORY ? path.join(env.CREDENTIALS_DIRECTORY, name.toLowerCase()) : undefined);
  if (!file) return undefined;
  let text: string;
  try {
    if (!env[`${name}_FILE`] && !fs.existsSync(file)) return undefined;
    // systemd's credentials directory is the service's own; any other file must be the owner's alone.
    const mode = fs.statSync(file).mode;
    const credential = env.CREDENTIALS_DIRECTORY !== undefined && path.dirname(file) === path.resolve(env.CREDENTIALS_DIRECTORY);
    if ((mode & 0o077) !== 0 && !credential) {
      throw new CocoonError('INVALID_INPUT', `${file} (${name}_FILE) can be read by other users (mode ${(mode & 0o777).toString(8)}).`, {hint: `chmod 600 ${file}`});
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof CocoonError) throw err;
    throw new CocoonError('NOT_FOUND', `Cannot read ${name} from ${file}: ${(err as Error).message}.`, {hint: `Check ${name}_FILE, or reinstall the service (\`cocoon provide service install\`).`});
  }
  const secret = text.replace(/\r?\n$/, '');
  if (!secret) throw new CocoonError('INVALID_INPUT', `${file} is empty: no ${name} in it.`);
  return secret;
}
