// Network partition inside one machine: nftables rules in the machine's own network namespace that drop every packet
// to and from the given addresses, the way Jepsen cuts nodes apart with iptables on the node. The table is named
// pglab_chaos and vanishes with the machine; `liftPartitionScript` removes it earlier.

export const PARTITION_TABLE = 'pglab_chaos';

/**
 * An nft script (for `nft -f -`) that replaces table `table` with one dropping what `outRule` and `inRule` match.
 * Declaring then deleting first makes the script work whether or not an earlier table exists. Each fault has its
 * own table, so lifting one never lifts another.
 */
export function dropTableScript(table: string, outRule: string, inRule: string): string {
  return [
    `table inet ${table} {}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    `    ${outRule}`,
    '  }',
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    `    ${inRule}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** An nft script that removes the table, if there is one. */
export function liftTableScript(table: string): string {
  return [`table inet ${table} {}`, `delete table inet ${table}`, ''].join('\n');
}

/** Drops every packet to and from `peers`, in table `table`. */
export function dropPeersScript(table: string, peers: readonly string[]): string {
  if (peers.length === 0) throw new Error('a partition needs at least one peer address');
  const set = `{ ${peers.join(', ')} }`;
  return dropTableScript(table, `ip daddr ${set} drop`, `ip saddr ${set} drop`);
}

/** An nft script that replaces any earlier partition with one cutting the machine off from `peers`. */
export function partitionScript(peers: readonly string[]): string {
  return dropPeersScript(PARTITION_TABLE, peers);
}

/** An nft script that removes the partition, if there is one. */
export function liftPartitionScript(): string {
  return liftTableScript(PARTITION_TABLE);
}
