// Network partition inside one machine: nftables rules in the machine's own network namespace that drop every packet
// to and from the given addresses, the way Jepsen cuts nodes apart with iptables on the node. The table is named
// pglab_chaos and vanishes with the machine; `liftPartitionScript` removes it earlier.

export const PARTITION_TABLE = 'pglab_chaos';

/** An nft script (for `nft -f -`) that replaces any earlier partition with one cutting the machine off from `peers`. */
export function partitionScript(peers: readonly string[]): string {
  if (peers.length === 0) throw new Error('a partition needs at least one peer address');
  const set = `{ ${peers.join(', ')} }`;
  return [
    // Declaring then deleting makes the script work whether or not an earlier table exists.
    `table inet ${PARTITION_TABLE} {}`,
    `delete table inet ${PARTITION_TABLE}`,
    `table inet ${PARTITION_TABLE} {`,
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    `    ip daddr ${set} drop`,
    '  }',
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    `    ip saddr ${set} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** An nft script that removes the partition, if there is one. */
export function liftPartitionScript(): string {
  return [`table inet ${PARTITION_TABLE} {}`, `delete table inet ${PARTITION_TABLE}`, ''].join('\n');
}
