// Spec §6.8 and §6.4: real sum.golang.org signed tree heads, verified offline with the built-in key.
import { describe, expect, it } from 'vitest';
import { InvalidSignatureError, newVerifier, openNote, verifierList } from '../../../src/core/sumdb/note.ts';
import { SUM_GOLANG_ORG_KEY } from '../../../src/core/sumdb/gosumdb.ts';
import { hashString, parseRecord, parseTree } from '../../../src/core/sumdb/tlog.ts';

const HEADS: [number, string, string][] = [
  [6476701, 'mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=', 'Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw='],
  [8617558, 'f5KSnshtcJa62/LNDuI7gZcszmfvqVvcxkPMjNf3xZs=', 'Az3grq9hzFjHaUJ4ohlzx2zGTtq8x4UOHTEd6EJyvB5Zd1/9vNOznd6OMy9KHrwN3CcPvzbxaFPjUPRV+qFvpA2xqQo='],
  [15067302, 'gJyioq6dwR9n+NjEWORfYmH+ubeYm3kH42BBQ0bTpYI=', 'Az3grp1rvWOs5NKlr/xR4GLN/CDyzzakmt1o61uSxYKpK1SerqOP2ClbX/peKUZjYnyomH5Xz7GZG3TpB7OeKn4E2ww='],
  [15081221, 'BoMMe1wd25Tco0mYGROkyqxHZWx+hcSCtMV315Lu6Lg=', 'Az3grilD7vQqTrv66jRgKM84Y80KTprrSt4bKmiOPxgmS5ZVBTeCl6dUvjYnN13R+C8j0jGY1WnUADGMkok3U0m2Zgo='],
  [52544510, '+TGlZfnTizQCJgyZR56QixD8+X4dd8Wefy8U1w6k0Ig=', 'Az3grn6d1PSjcypDf9bfcFVU5fvJB7VkLc0MAbz8jqeQVnSbAj9pKcsB5dJt5VdswPDUtiFar5LPRBu+uEQAT1CDfAc='],
  [65209736, '5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=', 'Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/R3cVtYspg3dxXABkGZZKdsQ8='],
];

const note = (n: number, hash: string, sig: string): string => `go.sum database tree\n${n}\n${hash}\n\n— sum.golang.org ${sig}\n`;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('real sum.golang.org tree heads', () => {
  it.each(HEADS)('tree %i verifies with the built-in key and parses', async (n, hash, sig) => {
    const known = verifierList(await newVerifier(SUM_GOLANG_ORG_KEY));
    const opened = await openNote(enc(note(n, hash, sig)), known);
    expect(opened.sigs).toHaveLength(1);
    expect(opened.sigs[0]!.hash).toBe(0x033de0ae);
    const tree = parseTree(opened.text);
    expect(tree.n).toBe(n);
    expect(hashString(tree.hash)).toBe(hash);
  });

  it('rejects a real signature moved onto another tree head', async () => {
    const known = verifierList(await newVerifier(SUM_GOLANG_ORG_KEY));
    const [a, b] = HEADS;
    await expect(openNote(enc(note(a![0], a![1], b![2])), known)).rejects.toBeInstanceOf(InvalidSignatureError);
    await expect(openNote(enc(note(a![0] + 1, a![1], a![2])), known)).rejects.toThrowError('invalid signature for key sum.golang.org+033de0ae');
  });

  it('splits the documented x/tools lookup and verifies its tree note', async () => {
    const body = enc(
      '52253027\n' +
        'golang.org/x/tools v0.44.0 h1:UP4ajHPIcuMjT1GqzDWRlalUEoY+uzoZKnhOjbIPD2c=\n' +
        'golang.org/x/tools v0.44.0/go.mod h1:KA0AfVErSdxRZIsOVipbv3rQhVXTnlU6UhKxHd1seDI=\n' +
        '\n' +
        note(HEADS[4]![0], HEADS[4]![1], HEADS[4]![2]),
    );
    const { id, rest } = parseRecord(body);
    expect(id).toBe(52253027);
    const opened = await openNote(rest, verifierList(await newVerifier(SUM_GOLANG_ORG_KEY)));
    expect(parseTree(opened.text).n).toBe(52544510);
  });
});
