import { ActionError } from '@ralph-deploy/common';
import { resourceKey, type AnyResource, type ResourceModule } from '../engine/types.js';
import type { AwsInfrastructure } from '../desired.js';
import { KIND, type AwsContext } from './context.js';
import { dbSecretResource } from './db-secret.js';
import { eksClusterResource, eksNodegroupResource } from './eks.js';
import { cacheResource, cacheSubnetGroupResource } from './elasticache.js';
import { internetGatewayResource, routeTableResource, subnetResource, vpcResource } from './network.js';
import { dbInstanceResource, dbReplicaResource, dbSubnetGroupResource } from './rds.js';
import { backupBucketResource } from './s3.js';

const erase = <D, C>(r: ResourceModule<D, C>, specPath?: (string | number)[]): AnyResource =>
  (specPath ? { ...r, specPath: ['aws', ...specPath] } : r) as unknown as AnyResource;

/** Default Secrets Manager name of the database master password. */
export function defaultPasswordSecret(environment: string, identifier: string): string {
  return `ralph-deploy/${environment}/${identifier}/master`;
}

/** Every AWS resource the desired infrastructure implies, with its dependencies. */
export function awsResources(ctx: AwsContext, infra: AwsInfrastructure): AnyResource[] {
  const out: AnyResource[] = [];
  const vpc = infra.vpc;
  const needsVpc = (what: string) => {
    if (!vpc) throw new ActionError(`infrastructure.aws.${what} needs infrastructure.aws.vpc (its subnets)`);
    return vpc;
  };
  if (vpc) {
    const zones = new Set(vpc.subnets.map((s) => s.zone));
    if (zones.size < 2)
      throw new ActionError(
        'infrastructure.aws.vpc.subnets: at least two availability zones are needed (EKS, Multi-AZ RDS and ElastiCache failover require them)',
      );
    out.push(erase(vpcResource(ctx, vpc), ['vpc']));
    vpc.subnets.forEach((s, i) => out.push(erase(subnetResource(ctx, vpc, s), ['vpc', 'subnets', i])));
    out.push(erase(internetGatewayResource(ctx, vpc), ['vpc']));
    out.push(erase(routeTableResource(ctx, vpc), ['vpc']));
  }
  if (infra.cluster) {
    const v = needsVpc('cluster');
    out.push(erase(eksClusterResource(ctx, infra.cluster, v), ['cluster']));
    out.push(erase(eksNodegroupResource(ctx, infra.cluster, v), ['cluster', 'node-group']));
  }
  if (infra.database) {
    const v = needsVpc('database');
    const db = infra.database;
    const subnetGroup = db['subnet-group'] ?? `${db.identifier}-subnets`;
    const secretName = db['password-secret-name'] ?? defaultPasswordSecret(ctx.environment, db.identifier);
    out.push(erase(dbSubnetGroupResource(ctx, subnetGroup, v), ['database']));
    out.push(erase(dbSecretResource(ctx, secretName, db['master-username'], db.identifier), ['database']));
    out.push(
      erase(
        dbInstanceResource(ctx, db, {
          subnetGroup,
          secretName,
          secretKey: resourceKey({ kind: KIND.dbSecret, name: secretName }),
          subnetGroupKey: resourceKey({ kind: KIND.dbSubnetGroup, name: subnetGroup }),
        }),
        ['database'],
      ),
    );
    if (db['read-replica'])
      out.push(erase(dbReplicaResource(ctx, db, db['read-replica']), ['database', 'read-replica']));
  }
  if (infra.cache) {
    const v = needsVpc('cache');
    const subnetGroup = infra.cache['subnet-group'] ?? `${infra.cache.id}-subnets`;
    out.push(erase(cacheSubnetGroupResource(ctx, subnetGroup, v), ['cache']));
    out.push(erase(cacheResource(ctx, infra.cache, subnetGroup), ['cache']));
  }
  if (infra['backup-bucket']) out.push(erase(backupBucketResource(ctx, infra['backup-bucket']), ['backup-bucket']));
  return out;
}
