import { describe, expect, it } from 'vitest';
import { jaroWinkler, nameSimilarity, nameTokens } from './name-similarity.js';

describe('nameSimilarity', () => {
  it('ignores case, punctuation, accents and legal forms', () => {
    expect(nameTokens('Brightwater Foods, Inc.')).toEqual(['brightwater', 'foods']);
    expect(nameSimilarity('BRIGHTWATER FOODS INC', 'Brightwater Foods, Inc.')).toBe(1);
    expect(nameSimilarity('José Núñez', 'Jose Nunez')).toBe(1);
    expect(nameSimilarity('Smith & Sons LLC', 'Smith and Sons')).toBe(1);
  });

  it('finds nicknames, typos and reordered names', () => {
    expect(nameSimilarity('Dan Whitaker', 'Daniel Whitaker')).toBeGreaterThanOrEqual(0.85);
    expect(nameSimilarity('Daniel Whittaker', 'Daniel Whitaker')).toBeGreaterThanOrEqual(0.9);
    expect(nameSimilarity('Whitaker, Daniel', 'Daniel Whitaker')).toBe(1);
  });

  it('scores a name contained in a longer one below an exact match', () => {
    const contained = nameSimilarity('Brightwater', 'Brightwater Foods Inc.');
    expect(contained).toBeGreaterThanOrEqual(0.85);
    expect(contained).toBeLessThan(1);
  });

  it('keeps different people apart, even with a shared first name', () => {
    expect(nameSimilarity('John Miller', 'John Baker')).toBeLessThan(0.85);
    expect(nameSimilarity('John', 'John Miller')).toBeLessThan(0.85);
    expect(nameSimilarity('Sarah Lin', 'Lakeside Property Management')).toBeLessThan(0.7);
    expect(nameSimilarity('', 'Anyone')).toBe(0);
  });

  it('computes Jaro-Winkler as published (MARTHA/MARHTA = 0.961)', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.813, 3);
  });
});
