import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  TagResourceCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { ActionError, type Logger } from '@ralph-deploy/common';
import { DiffBuilder, tagList, tagMap } from '../engine/diff.js';
import type { ResourceModule } from '../engine/types.js';
import { isAwsError } from './clients.js';
import { KIND, type AwsContext } from './context.js';
import { managedTags } from './tags.js';

export interface SecretState {
  arn: string;
  name: string;
  tags: Record<string, string>;
}

/** 32 characters from [A-Za-z0-9_-]: none of the characters RDS refuses in a master password (/ @ " space). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The database master password lives only in Secrets Manager: generated once, read back on every
 * later run (never regenerated, never printed). Stored the way RDS-managed secrets are: a JSON
 * object with username and password.
 */
export function dbSecretResource(
  ctx: AwsContext,
  name: string,
  username: string,
  dbIdentifier: string,
): ResourceModule<{ name: string }, SecretState> {
  const { secrets } = ctx.clients;
  const tags = managedTags(ctx.environment, ctx.tags);
  return {
    kind: KIND.dbSecret,
    name,
    desired: { name },
    dependsOn: [],
    describe: () => 'generated database master password (never printed)',
    async read() {
      try {
        const out = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
        if (out.DeletedDate)
          throw new ActionError(
            `secret ${name} is scheduled for deletion; restore it (aws secretsmanager restore-secret) before provisioning`,
          );
        return { arn: out.ARN ?? '', name, tags: tagMap(out.Tags) };
      } catch (e: unknown) {
        if (isAwsError(e, 'ResourceNotFoundException')) return undefined;
        throw e;
      }
    },
    diff(_d, c) {
      return new DiffBuilder().tags(tags, c.tags).diffs;
    },
    async apply(change) {
      if (change.action === 'create') {
        const password = generatePassword();
        // Masked before the call: a failing CreateSecret may echo its input in the error message.
        ctx.log.mask(password);
        await secrets.send(
          new CreateSecretCommand({
            Name: name,
            Description: `Master password of the ${username} user (ralph-deploy provision)`,
            SecretString: JSON.stringify({ username, password }),
            Tags: tagList(tags),
          }),
        );
        await adoptExistingInstance(ctx, dbIdentifier, password);
        return;
      }
      await secrets.send(new TagResourceCommand({ SecretId: change.current.arn, Tags: tagList(tags) }));
    },
  };
}

/** Reads the master password; masks it before returning so no later error or log can show it. */
export async function readMasterPassword(client: SecretsManagerClient, name: string, log: Logger): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: name }));
  const raw = out.SecretString ?? '';
  let password: string | undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as { password?: unknown }).password === 'string'
    ) {
      password = (parsed as { password: string }).password;
    }
  } catch {
    password = raw;
  }
  if (raw !== '') log.mask(raw);
  if (!password) throw new ActionError(`secret ${name} has no password (expected a JSON object with "password")`);
  log.mask(password);
  return password;
}

/**
 * The secret was missing but the instance exists (the secret was deleted, or the instance predates
 * provision): its password is unknown, so set it to the new one and the secret stays the truth.
 */
async function adoptExistingInstance(ctx: AwsContext, identifier: string, password: string): Promise<void> {
  try {
    await ctx.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
  } catch (e: unknown) {
    if (isAwsError(e, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) return;
    throw e;
  }
  ctx.log.warning(
    `${identifier} exists but its password secret did not: setting its master password to the newly generated one`,
  );
  await ctx.clients.rds.send(
    new ModifyDBInstanceCommand({
      DBInstanceIdentifier: identifier,
      MasterUserPassword: password,
      ApplyImmediately: true,
    }),
  );
}
