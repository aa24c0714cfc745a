import { describe, expect, it } from '@jest/globals';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.js';
import { ApplyConflictError, serverSideApply } from './apply.js';
import type { KubeObject } from './types.js';

const live = {
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, finalizers: ['a'] },
  spec: {
    template: {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'web:v1',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            args: ['--x'],
          },
          { name: 'sidecar', image: 'proxy:v1' },
        ],
      },
    },
  },
};

describe('JSON merge patch (RFC 7386)', () => {
  it('merges maps, deletes with null and replaces lists whole', () => {
    const out = mergePatch(live, {
      metadata: { labels: { tier: null, v: '2' } },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'web:v2' }] } } },
    }) as typeof live;
    expect(out.metadata.labels).toEqual({ app: 'web', v: '2' });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'app', image: 'web:v2' }]);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add/replace/remove/move/copy/test in order', () => {
    const out = jsonPatch(live, [
      { op: 'test', path: '/spec/template/spec/containers/0/image', value: 'web:v1' },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'web:v2' },
      { op: 'add', path: '/metadata/labels/track', value: 'canary' },
      { op: 'remove', path: '/metadata/labels/tier' },
      { op: 'add', path: '/spec/template/spec/containers/0/args/-', value: '--y' },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copied' },
      { op: 'move', from: '/metadata/labels/copied', path: '/metadata/labels/moved' },
      { op: 'add', path: '/metadata/annotations', value: { 'a~b/c': '1' } },
      { op: 'remove', path: '/metadata/annotations/a~0b~1c' },
    ]) as typeof live & { metadata: { annotations: object } };
    expect(out.spec.template.spec.containers[0]!.image).toBe('web:v2');
    expect(out.spec.template.spec.containers[0]!.args).toEqual(['--x', '--y']);
    expect(out.metadata.labels).toEqual({ app: 'web', track: 'canary', moved: 'web' });
    expect(out.metadata.annotations).toEqual({});
  });

  it('fails a test op or a missing path with 422, a malformed patch with 400, and changes nothing', () => {
    const failing = () =>
      jsonPatch(live, [
        { op: 'replace', path: '/metadata/name', value: 'x' },
        { op: 'test', path: '/spec/template/spec/containers/0/image', value: 'nope' },
      ]);
    expect(failing).toThrow(PatchError);
    expect(() => jsonPatch(live, [{ op: 'remove', path: '/metadata/nothing' }])).toThrow(
      expect.objectContaining({ code: 422 }),
    );
    expect(() => jsonPatch(live, { op: 'add' })).toThrow(expect.objectContaining({ code: 400 }));
    expect(live.metadata.name).toBe('web');
  });
});

describe('strategic merge patch', () => {
  it('merges containers and env by name, keeps the others, appends new ones', () => {
    const out = strategicMergePatch(live, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'web:v2',
                env: [
                  { name: 'B', value: '3' },
                  { name: 'C', value: '4' },
                ],
              },
              { name: 'new', image: 'n:1' },
            ],
          },
        },
      },
    }) as typeof live;
    const [app, sidecar, added] = out.spec.template.spec.containers;
    expect(app).toEqual({
      name: 'app',
      image: 'web:v2',
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '3' },
        { name: 'C', value: '4' },
      ],
      args: ['--x'],
    });
    expect(sidecar).toEqual({ name: 'sidecar', image: 'proxy:v1' });
    expect(added).toEqual({ name: 'new', image: 'n:1' });
  });

  it('honours $patch: delete / replace, $retainKeys, $deleteFromPrimitiveList and $setElementOrder, and merges finalizers as a set', () => {
    const out = strategicMergePatch(live, {
      metadata: { finalizers: ['b', 'a'] },
      spec: {
        template: {
          spec: {
            containers: [{ name: 'sidecar', $patch: 'delete' }],
          },
        },
      },
    }) as typeof live;
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['app']);
    expect(out.metadata.finalizers).toEqual(['a', 'b']);

    const replaced = strategicMergePatch(live, {
      spec: { template: { spec: { containers: [{ name: 'only', image: 'o:1' }, { $patch: 'replace' }] } } },
    }) as typeof live;
    expect(replaced.spec.template.spec.containers).toEqual([{ name: 'only', image: 'o:1' }]);

    const retained = strategicMergePatch(
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
      { strategy: { type: 'Recreate', $retainKeys: ['type'] } },
    );
    expect(retained).toEqual({ strategy: { type: 'Recreate' } });

    const primitive = strategicMergePatch(
      { metadata: { finalizers: ['a', 'b', 'c'] } },
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    );
    expect(primitive).toEqual({ metadata: { finalizers: ['a', 'c'] } });

    const ordered = strategicMergePatch(live, {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }] } } },
    }) as typeof live;
    expect(ordered.spec.template.spec.containers.map((c) => c.name)).toEqual(['sidecar', 'app']);
  });

  it('rejects a list item without its merge key', () => {
    expect(() => strategicMergePatch(live, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } })).toThrow(
      /merge key: name/,
    );
  });
});

describe('server-side apply', () => {
  const config = (image: string, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image }] } }, ...extra },
  });

  it('records ownership, removes fields the manager stopped applying, and keeps fields others own', () => {
    const first = serverSideApply(
      undefined,
      config('web:v1', { minReadySeconds: 5 }),
      'deployer',
      false,
      'apps/v1',
      't',
    );
    expect(first.managedFields).toHaveLength(1);
    expect(first.managedFields[0]).toMatchObject({ manager: 'deployer', operation: 'Apply', fieldsType: 'FieldsV1' });
    expect(first.managedFields[0]!.fieldsV1).toMatchObject({
      'f:spec': {
        'f:replicas': {},
        'f:minReadySeconds': {},
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {} } } } },
      },
    });
    const liveObject = { ...first.object, metadata: { ...first.object.metadata, managedFields: first.managedFields } };
    const second = serverSideApply(liveObject, config('web:v2'), 'deployer', false, 'apps/v1', 't');
    expect((second.object.spec as { minReadySeconds?: number }).minReadySeconds).toBeUndefined();
    expect(
      (second.object.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!
        .image,
    ).toBe('web:v2');
  });

  it('conflicts with another manager that set a different value, unless forced', () => {
    const first = serverSideApply(undefined, config('web:v1'), 'kubectl', false, 'apps/v1', 't');
    const liveObject = { ...first.object, metadata: { ...first.object.metadata, managedFields: first.managedFields } };
    expect(() => serverSideApply(liveObject, config('web:v2'), 'deployer', false, 'apps/v1', 't')).toThrow(
      ApplyConflictError,
    );
    try {
      serverSideApply(liveObject, config('web:v2'), 'deployer', false, 'apps/v1', 't');
    } catch (e: unknown) {
      expect((e as Error).message).toBe(
        'Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.template.spec.containers[name="app"].image',
      );
    }
    // the same value is shared ownership, not a conflict
    expect(() => serverSideApply(liveObject, config('web:v1'), 'deployer', false, 'apps/v1', 't')).not.toThrow();
    const forced = serverSideApply(liveObject, config('web:v2'), 'deployer', true, 'apps/v1', 't');
    const kubectl = forced.managedFields.find((m) => m.manager === 'kubectl')!;
    expect(JSON.stringify(kubectl.fieldsV1)).not.toContain('f:image');
  });
});
