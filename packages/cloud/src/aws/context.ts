import type { Logger } from '@ralph-deploy/common';
import type { AwsClients } from './clients.js';

export interface AwsContext {
  clients: AwsClients;
  environment: string;
  /** User tags for every resource (managed tags are added on top). */
  tags: Record<string, string>;
  log: Logger;
}

export const KIND = {
  vpc: 'aws:vpc',
  subnet: 'aws:subnet',
  internetGateway: 'aws:internet-gateway',
  routeTable: 'aws:route-table',
  eksCluster: 'aws:eks-cluster',
  eksNodegroup: 'aws:eks-nodegroup',
  dbSubnetGroup: 'aws:db-subnet-group',
  dbSecret: 'aws:secret',
  dbInstance: 'aws:rds-instance',
  dbReplica: 'aws:rds-read-replica',
  cacheSubnetGroup: 'aws:cache-subnet-group',
  cache: 'aws:elasticache-replication-group',
  bucket: 'aws:s3-bucket',
} as const;
