/**
 * What to fetch when `--against <ref>` names nothing in this clone, by the ref's shape: a commit id is fetched by its
 * full id (an abbreviated one cannot be fetched), a remote-tracking branch from its remote, a tag as a tag, a
 * relative revision (`HEAD~3`) by deepening a shallow clone, and a plain name, which may be a branch or a tag, is
 * looked for among the remote-tracking branches first (then no fetch is needed at all).
 */

export interface CloneFacts {
  /** The clone's remotes (`git remote`); the first is used when a ref names none. */
  readonly remotes: readonly string[];
  /** Whether a ref exists in the clone (e.g. `refs/remotes/origin/main`). */
  readonly hasRef: (ref: string) => boolean;
  /** Whether the clone is shallow (`git rev-parse --is-shallow-repository`). */
  readonly shallow: boolean;
}

/** One sentence, after "--against <ref>: ": why the ref is not here, and the command (or the ref) to use instead. */
export function refNotFoundHint(ref: string, clone: CloneFacts): string {
  const remote = clone.remotes.includes("origin") ? "origin" : clone.remotes[0] ?? "origin";
  if (/^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(ref)) {
    return `not in this clone: fetch the commit with \`git fetch --depth=1 ${remote} ${ref}\``;
  }
  if (/^[0-9a-f]{4,39}$/i.test(ref)) {
    return `no commit in this clone starts with it, and an abbreviated id cannot be fetched: give the full commit id (then \`git fetch --depth=1 ${remote} <full id>\`), or fetch the branch that holds it (\`git fetch ${remote} <branch>\`)`;
  }
  if (/[~^]|@\{/.test(ref)) {
    return `reaches back further than this clone's history${clone.shallow ? ` (a shallow clone): deepen it with \`git fetch --deepen=50 ${remote}\`, or \`git fetch --unshallow ${remote}\`` : ""}`;
  }
  const tag = /^(?:refs\/)?tags\/(.+)$/.exec(ref)?.[1];
  if (tag) return `not in this clone: fetch the tag with \`git fetch ${remote} tag ${tag}\``;
  const head = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
  if (head) return `not in this clone: fetch the branch with \`git fetch ${remote} ${head}:refs/remotes/${remote}/${head}\` and use --against ${remote}/${head}`;
  const slash = ref.indexOf("/");
  const named = slash > 0 ? ref.slice(0, slash) : "";
  if (clone.remotes.includes(named)) {
    const branch = ref.slice(slash + 1);
    return `not in this clone: fetch the branch with \`git fetch ${named} ${branch}:refs/remotes/${named}/${branch}\``;
  }
  const tracking = clone.remotes.find((r) => clone.hasRef(`refs/remotes/${r}/${ref}`));
  if (tracking) return `no local branch or tag of that name, but ${tracking}/${ref} is here: use --against ${tracking}/${ref}`;
  return `not in this clone: a branch? \`git fetch ${remote} ${ref}:refs/remotes/${remote}/${ref}\` and use --against ${remote}/${ref}; a tag? \`git fetch ${remote} tag ${ref}\``;
}
