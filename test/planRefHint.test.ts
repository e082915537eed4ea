/** `--against <ref>` that this clone lacks: the fetch command fits the ref's kind (cli/plan/refHint.ts). */
import { refNotFoundHint, type CloneFacts } from "../cli/plan/refHint";

const clone = (over: Partial<CloneFacts> = {}): CloneFacts => ({ remotes: ["origin"], hasRef: () => false, shallow: false, ...over });

test.each([
  ["a full commit id", "0123456789abcdef0123456789abcdef01234567", "fetch the commit with `git fetch --depth=1 origin 0123456789abcdef0123456789abcdef01234567`"],
  ["an abbreviated id", "abc1234", "an abbreviated id cannot be fetched: give the full commit id"],
  ["a remote-tracking branch", "origin/main", "fetch the branch with `git fetch origin main:refs/remotes/origin/main`"],
  ["a tag by its path", "tags/v1.2.0", "fetch the tag with `git fetch origin tag v1.2.0`"],
  ["a tag by its full ref", "refs/tags/v1.2.0", "fetch the tag with `git fetch origin tag v1.2.0`"],
  ["a branch by its full ref", "refs/heads/release/1", "`git fetch origin release/1:refs/remotes/origin/release/1` and use --against origin/release/1"],
  ["a plain name", "release-1", "a branch? `git fetch origin release-1:refs/remotes/origin/release-1` and use --against origin/release-1; a tag? `git fetch origin tag release-1`"],
])("%s", (_kind, ref, expected) => {
  expect(refNotFoundHint(ref, clone())).toContain(expected);
});

test("a plain name whose remote-tracking branch is here: no fetch, the ref to use", () => {
  const hint = refNotFoundHint("main", clone({ remotes: ["origin", "upstream"], hasRef: (r) => r === "refs/remotes/upstream/main" }));
  expect(hint).toBe("no local branch or tag of that name, but upstream/main is here: use --against upstream/main");
});

test("a relative revision in a shallow clone: deepen it; not shallow: no fetch advice", () => {
  expect(refNotFoundHint("HEAD~3", clone({ shallow: true }))).toContain("`git fetch --deepen=50 origin`");
  expect(refNotFoundHint("HEAD~3", clone())).toBe("reaches back further than this clone's history");
});

test("the remote is the clone's own: origin when it has one, else its first", () => {
  expect(refNotFoundHint("0123456789abcdef0123456789abcdef01234567", clone({ remotes: ["upstream"] }))).toContain("git fetch --depth=1 upstream ");
  expect(refNotFoundHint("upstream/dev", clone({ remotes: ["origin", "upstream"] }))).toContain("`git fetch upstream dev:refs/remotes/upstream/dev`");
});
