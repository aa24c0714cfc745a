// The bench database: rows shaped like the guide's ralph.orchestrations and audit.activity_log.
// Real rows of this kind carry prose (prompts, agent output, error messages) next to structured
// JSON, ids and hashes; a dump made only of repeated phrases compresses far better and faster
// than a real one and would flatter every compressor. So the text fields are drawn from a
// vocabulary of words common in agent transcripts, skewed towards the frequent ones.

const VOCAB = `the to and a of in is for that this with test file it on be as not we are function error should add
from by update fix check return value when if use run build config task plan commit change now all can new which data
type module import will code case step so then have at or one next an but pass fail failing passing tests files line
lines src index read write string number null undefined object array list map set get call calls called handler
request response status server client database query table row column migration schema key user session token auth
login api endpoint route path url http json yaml parse parser format output input log logs logger warning message retry
timeout limit cache redis postgres deploy release version package dependency install lint typecheck compile bundle docs
readme example issue review refactor rename remove delete create implement implemented added fixed updated removed moved
because since after before until while instead also only still again first last each every some none both other same
different missing expected actual found unused duplicate invalid valid correct wrong broken works working done pending
running completed failed agent iteration checkpoint prompt context tokens cost loop orchestrator shell git branch merge
diff patch hunk workspace directory folder permission denied exists exit signal process thread memory cpu disk network
socket port connection pool worker queue job schedule cron hourly daily metric metrics alert health ready probe rollout
rollback replica pod container image tag digest hash checksum backup restore verify prune keep age size bytes seconds
minutes`.split(/\s+/);

const VOCAB_SQL = `'{${VOCAB.join(',')}}'::text[]`;

/** `words` (an SQL expression) words of prose; random()^2 favours the front of the vocabulary. */
function prose(words: string): string {
  // `+ 0 * i` ties the pick to the series row, so each word is drawn anew.
  return `(select string_agg((${VOCAB_SQL})[1 + floor(random() ^ 2 * ${VOCAB.length})::int + 0 * i], ' ') from generate_series(1, ${words}) i)`;
}

export const SCHEMA = `
create schema ralph; create schema audit;
create table ralph.orchestrations (id bigserial primary key, name text not null, status text not null, agent text not null,
  config jsonb not null, state jsonb not null, result jsonb, created_at timestamptz not null, updated_at timestamptz not null);
create table audit.activity_log (id bigserial primary key, user_id text not null, action text not null, resource_type text not null,
  resource_id uuid, details jsonb not null, ip_address inet, user_agent text, created_at timestamptz not null);`;

export const INDEXES = `
create index on ralph.orchestrations (status, created_at); create index on ralph.orchestrations (agent);
create index on audit.activity_log (created_at); create index on audit.activity_log (user_id, created_at);`;

/** Inserts orchestrations $1..$2. */
export const ORCHESTRATIONS_BATCH = `
insert into ralph.orchestrations (name, status, agent, config, state, result, created_at, updated_at)
select 'orchestration-' || g,
       (array['pending','running','completed','failed','cancelled'])[1 + g % 5],
       (array['claude','gemini','q','kiro'])[1 + g % 4],
       jsonb_build_object(
         'prompt_file', 'PROMPT-' || (g % 997) || '.md', 'max_iterations', 10 + g % 90, 'max_runtime', 14400,
         'checkpoint_interval', 5, 'retry_delay', 2, 'tools', jsonb_build_array('git', 'shell', 'web', 'editor'),
         'limits', jsonb_build_object('tokens', 1000000 + g % 50000, 'cost_usd', round((g % 1000) / 7.0, 2)),
         'prompt', ${prose('20 + g % 90')}),
       jsonb_build_object(
         'iteration', g % 100, 'checkpoint', md5((g * 3)::text), 'last_error', case when g % 7 = 0 then 'timeout after ' || g % 300 || 's' end,
         'last_output', ${prose('10 + g % 50')},
         'history', (select jsonb_agg(jsonb_build_object('i', i, 'tokens', (g * i) % 9000, 'sha', substr(md5((g + i)::text), 1, 12))) from generate_series(1, (1 + g % 6)::int) i)),
       case when g % 5 in (2, 3) then jsonb_build_object('exit_code', g % 2, 'summary', ${prose('8 + g % 30')}, 'cost_usd', round((g % 500) / 3.0, 2)) end,
       timestamptz '2026-01-01' + (g || ' seconds')::interval,
       timestamptz '2026-01-01' + (g || ' seconds')::interval + ((g % 3600) || ' seconds')::interval
from generate_series($1::bigint, $2::bigint) g`;

/** Inserts audit rows $1..$2. */
export const AUDIT_BATCH = `
insert into audit.activity_log (user_id, action, resource_type, resource_id, details, ip_address, user_agent, created_at)
select 'user-' || (g % 5003),
       (array['orchestration.create','orchestration.start','orchestration.stop','config.update','auth.login','api.call'])[1 + g % 6],
       (array['orchestration','config','session','api_key'])[1 + g % 4],
       md5((g % 100000)::text)::uuid,
       jsonb_build_object('request_id', md5(g::text)::uuid, 'path', '/api/v1/orchestrations/' || (g % 100000), 'method', (array['GET','POST','PUT','DELETE'])[1 + g % 4],
                          'status', (array[200,200,200,201,204,400,404,500])[1 + g % 8], 'latency_ms', g % 1500,
                          'message', case when g % 4 = 0 then ${prose('4 + g % 20')} end,
                          'changes', case when g % 3 = 0 then jsonb_build_object('before', jsonb_build_object('status', 'running'), 'after', jsonb_build_object('status', 'completed')) end),
       ('10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || (g % 251))::inet,
       'ralph-cli/1.' || (g % 20) || ' (linux; node ' || (18 + g % 6) || ')',
       timestamptz '2026-01-01' + (g || ' seconds')::interval
from generate_series($1::bigint, $2::bigint) g`;
