// `pglab imdb load|verify --target mongo`: the IMDb documents into the lab's replica set, as the application user.
import { formatDuration } from '../common/duration.js';
import { loadMongo } from '../imdb-data/load-mongo.js';
import { verifyMongo } from '../imdb-data/verify-mongo.js';
import { labMongoUri } from '../lab/roles/mongo/index.js';
import type { Topology } from '../lab/topology.js';
import { requireLabNetns } from './client-access.js';
import type { Step } from './graph/step.js';

export function mongoLoadSteps(t: Topology, dir: string, report: { text?: string }): Step[] {
  const uri = labMongoUri(t);
  requireLabNetns();
  return [
    {
      id: 'load',
      title: 'Load the IMDb documents into MongoDB (replica set rs0, database imdb; indexes after the inserts)',
      async run(ctx) {
        const progress = new Map<string, string>();
        const r = await loadMongo({
          uri,
          sourceDir: dir,
          signal: ctx.signal,
          onProgress: (collection, docs) => {
            progress.set(collection, `${collection} ${docs.toLocaleString('en')} documents`);
            ctx.output([...progress.values()].join(' · '));
          },
        });
        const orphans = Object.entries(r.orphans).filter(([, n]) => n > 0);
        report.text = [
          'COLLECTION   DOCUMENTS   INSERT    INDEX',
          ...r.collections.map((c) => [`imdb.${c.collection}`.padEnd(12), String(c.documents).padStart(9), formatDuration(c.ms).padStart(8), formatDuration(c.indexMs).padStart(8)].join(' ')),
          ...(orphans.length ? [`rows without a title in title.basics, skipped: ${orphans.map(([f, n]) => `${f} ${n}`).join(', ')}`] : []),
          ...(r.badLines.length ? [`${r.badLines.length} malformed line(s) skipped:`, ...r.badLines.slice(0, 10).map((b) => `  ${b.file}:${b.line}: ${b.reason}`)] : []),
        ].join('\n');
        return `${r.collections.reduce((a, c) => a + c.documents, 0).toLocaleString('en')} documents in ${formatDuration(r.ms)}`;
      },
      describe: () => [`build the title and person documents from the .tsv.gz files in ${dir}, insertMany into imdb.titles_load/people_load, create the indexes, rename over imdb.titles/people`],
    },
  ];
}

export async function verifyMongoTarget(t: Topology, dir: string) {
  const uri = labMongoUri(t);
  requireLabNetns();
  return verifyMongo({ uri, sourceDir: dir });
}
