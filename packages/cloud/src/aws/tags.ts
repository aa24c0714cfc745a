export const MANAGED_TAG = 'ralph-deploy:managed';
export const ENVIRONMENT_TAG = 'ralph-deploy:environment';

/** The tags every resource gets: the user's, Name, and the pair provision finds its resources by. */
export function managedTags(environment: string, extra: Record<string, string>, name?: string): Record<string, string> {
  return { ...extra, ...(name ? { Name: name } : {}), [MANAGED_TAG]: 'true', [ENVIRONMENT_TAG]: environment };
}

/** EC2 filters selecting this environment's managed resources (optionally with a Name). */
export function managedFilters(environment: string, name?: string): { Name: string; Values: string[] }[] {
  return [
    { Name: `tag:${MANAGED_TAG}`, Values: ['true'] },
    { Name: `tag:${ENVIRONMENT_TAG}`, Values: [environment] },
    ...(name ? [{ Name: 'tag:Name', Values: [name] }] : []),
  ];
}
