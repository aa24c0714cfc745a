import {
  AddTagsToResourceCommand,
  DescribeDBInstancesCommand,
  PromoteReadReplicaCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { ActionError, errorMessage } from '@ralph-deploy/common';

/** The parts of an RDS instance the failover looks at. */
export interface DbInstanceState {
  id: string;
  arn: string;
  status: string;
  /** Set while the instance is a read replica (AWS clears it once a promotion completes). */
  sourceId?: string;
  tags: Record<string, string>;
}

export async function describeDbInstance(rds: RDSClient, id: string, signal?: AbortSignal): Promise<DbInstanceState> {
  let out;
  try {
    out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), { abortSignal: signal });
  } catch (e: unknown) {
    if (awsErrorName(e) === 'DBInstanceNotFoundFault' || awsErrorName(e) === 'DBInstanceNotFound') {
      throw new ActionError(`RDS instance '${id}' (input 'replica-db-instance') does not exist`);
    }
    throw new ActionError(`cannot describe RDS instance '${id}': ${errorMessage(e)}`, { cause: e });
  }
  const db = out.DBInstances?.[0];
  if (!db?.DBInstanceArn) throw new ActionError(`RDS returned no instance for '${id}'`);
  const tags: Record<string, string> = {};
  for (const t of db.TagList ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  const state: DbInstanceState = { id, arn: db.DBInstanceArn, status: db.DBInstanceStatus ?? 'unknown', tags };
  if (db.ReadReplicaSourceDBInstanceIdentifier) state.sourceId = db.ReadReplicaSourceDBInstanceIdentifier;
  return state;
}

export async function tagDbInstance(
  rds: RDSClient,
  arn: string,
  tags: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  await rds.send(
    new AddTagsToResourceCommand({
      ResourceName: arn,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
    { abortSignal: signal },
  );
}

/**
 * Asks RDS to promote the replica. RDS answers InvalidDBInstanceState when the instance is no longer
 * a replica (a promotion already went through): that is success for an idempotent caller.
 */
export async function promoteReadReplica(
  rds: RDSClient,
  id: string,
  signal?: AbortSignal,
): Promise<{ alreadyPromoted: boolean; status?: string }> {
  try {
    const out = await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: id }), { abortSignal: signal });
    const status = out.DBInstance?.DBInstanceStatus;
    return status === undefined ? { alreadyPromoted: false } : { alreadyPromoted: false, status };
  } catch (e: unknown) {
    if (awsErrorName(e) === 'InvalidDBInstanceStateFault' || awsErrorName(e) === 'InvalidDBInstanceState') {
      if (/not a read replica/i.test(errorMessage(e))) return { alreadyPromoted: true };
    }
    throw new ActionError(`cannot promote RDS instance '${id}': ${errorMessage(e)}`, { cause: e });
  }
}

export function awsErrorName(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'name' in e && typeof (e as { name: unknown }).name === 'string')
    return (e as { name: string }).name;
  return undefined;
}
