/**
 * A compact English stopword list: function words that say little about what
 * a text is about (articles, pronouns, auxiliaries, prepositions,
 * conjunctions, and the most common adverbs and quantifiers).
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above after again against all almost also although always am among an and another any are around as at
  be became because become been before being below between both but by
  can cannot could did do does doing done down during each either else enough even ever every
  few for from further get gets got had has have having he her here hers herself him himself his how however
  i if in into is it its itself just least less like made make many may me might more most much must my myself
  neither never no nor not now of off often on once one only or other others otherwise our ours ourselves out over own
  per quite rather really said same say says see seen shall she should since so some still such
  than that the their theirs them themselves then there these they this those though through thus to too toward towards
  under until up upon us use used using very via was we well were what whatever when where whether which while who whom
  whose why will with within without would yet you your yours yourself yourselves`
    .split(/\s+/)
    .filter(Boolean),
);
