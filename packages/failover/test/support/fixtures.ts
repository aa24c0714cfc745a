/** Shared fixtures of the failover tests (package and end-to-end): AWS resources in moto, loopback health servers, an SNS sink. Kept in the package so the AWS SDK resolves from its dependencies. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';

export interface HealthServer {
  url: string;
  /** The status every request gets from now on. */
  setStatus(status: number): void;
  hits(): number;
  close(): Promise<void>;
}

/** A loopback HTTP server answering every request with a settable status. */
export async function startHealthServer(status: number): Promise<HealthServer> {
  let current = status;
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    res
      .writeHead(current, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: current < 400 ? 'ok' : 'down' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    setStatus: (s) => (current = s),
    hits: () => hits,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export interface SnsSink {
  url: string;
  /** The SNS notifications received (parsed JSON bodies). */
  messages: { Type: string; Subject?: string; Message: string }[];
  close(): Promise<void>;
}

/** An HTTP endpoint subscribed to the topic: moto delivers each publish to it as a POST. */
export async function startSnsSink(): Promise<SnsSink> {
  const messages: SnsSink['messages'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        messages.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SnsSink['messages'][number]);
      } catch {
        /* not a notification */
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return { url: `http://127.0.0.1:${port}/sns`, messages, close };
}

export interface AwsWorld {
  rds: RDSClient;
  route53: Route53Client;
  sns: SNSClient;
  source: string;
  replica: string;
  zoneId: string;
  recordName: string;
  primaryTarget: string;
  standbyTarget: string;
  topicArn: string;
  /** ReadReplicaSourceDBInstanceIdentifier, status and tags of the replica as RDS describes it. */
  describeReplica(): Promise<{ status: string; source?: string; tags: Record<string, string> }>;
  /** The CNAME's values, or undefined when absent. */
  recordValues(): Promise<string[] | undefined>;
  /**
   * Whether RDS treats the replica as a standalone instance. moto 5 keeps
   * ReadReplicaSourceDBInstanceIdentifier after a promotion but refuses to stop a read replica, so
   * stopping it is the observable proof (call last: it changes the instance).
   */
  replicaIsStandalone(): Promise<boolean>;
  createTopic(): Promise<void>;
  deleteTopic(): Promise<void>;
  /** Closes the clients' sockets. */
  destroy(): void;
}

/** Creates a primary RDS instance with a read replica, a hosted zone whose record points at the primary, and a topic. */
export async function createAwsWorld(endpoint: string, snsSinkUrl: string, suffix: string): Promise<AwsWorld> {
  const base = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const rds = new RDSClient(base);
  const route53 = new Route53Client(base);
  const sns = new SNSClient(base);
  const source = `ralph-db-${suffix}`;
  const replica = `ralph-standby-db-${suffix}`;
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: source,
      DBInstanceClass: 'db.t3.medium',
      Engine: 'postgres',
      MasterUsername: 'ralph',
      MasterUserPassword: 'not-a-real-password',
      AllocatedStorage: 20,
    }),
  );
  await rds.send(
    new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: replica, SourceDBInstanceIdentifier: source }),
  );
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: `${suffix}.example.com`, CallerReference: `ref-${suffix}-${Date.now()}` }),
  );
  const zoneId = (zone.HostedZone?.Id ?? '').replace(/^\/hostedzone\//, '');
  const recordName = `ralph.${suffix}.example.com`;
  const primaryTarget = 'primary-lb.us-east-1.example.net';
  const standbyTarget = 'standby-lb.us-west-2.example.net';
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: recordName,
              Type: 'CNAME',
              TTL: 60,
              ResourceRecords: [{ Value: primaryTarget }],
            },
          },
        ],
      },
    }),
  );
  const topicName = `alerts-${suffix}`;
  const topicArn = `arn:aws:sns:us-east-1:123456789012:${topicName}`;
  const createTopic = async () => {
    await sns.send(new CreateTopicCommand({ Name: topicName }));
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: snsSinkUrl }));
  };
  await createTopic();
  return {
    rds,
    route53,
    sns,
    source,
    replica,
    zoneId,
    recordName,
    primaryTarget,
    standbyTarget,
    topicArn,
    describeReplica: async () => {
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: replica }));
      const db = out.DBInstances?.[0];
      const tags = Object.fromEntries((db?.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      return {
        status: db?.DBInstanceStatus ?? '?',
        ...(db?.ReadReplicaSourceDBInstanceIdentifier ? { source: db.ReadReplicaSourceDBInstanceIdentifier } : {}),
        tags,
      };
    },
    recordValues: async () => {
      const out = await route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          StartRecordName: recordName,
          StartRecordType: 'CNAME',
          MaxItems: 1,
        }),
      );
      const rr = out.ResourceRecordSets?.[0];
      if (!rr || rr.Name !== `${recordName}.`) return undefined;
      return (rr.ResourceRecords ?? []).map((r) => r.Value ?? '');
    },
    replicaIsStandalone: async () => {
      try {
        await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: replica }));
        return true;
      } catch {
        return false;
      }
    },
    createTopic,
    deleteTopic: async () => {
      await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    },
    destroy: () => {
      rds.destroy();
      route53.destroy();
      sns.destroy();
    },
  };
}
