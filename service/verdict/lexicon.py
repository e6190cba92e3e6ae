"""The word lists the verdict rule reads: stop words, negators, opposites, mutually exclusive
categories, number words and units.

They are general English, not sentences of any test set: a pair belongs here when saying one
word of it where a passage says the other changes what is claimed.
"""

from __future__ import annotations

from typing import Final


def words(text: str) -> frozenset[str]:
    """A set of the words in ``text``: word lists read best as prose."""
    return frozenset(text.split())


STOP_WORDS: Final = words(
    """a an the this that these those it its it's is are was were be been being am do does did has have had
    having of in on at to for from by with about as into onto than then so such and or but if while whereas
    also only just very can could will would shall should may might must which who whom whose what when where
    why how there their they them he she his her him we our us you your i my me one's ones each every all any some
    both either per via over under up down out off again once same other another most more many much own
    s t around roughly approximately nearly almost some exactly just about still even yet already ever
    called known named usually typically generally commonly widely often mainly mostly largely become became becomes
    against between through during within among across along behind beyond toward towards upon since until"""
)

# Words that negate the clause they stand in ("n't" endings are counted as well).
# "a deficiency of", "a shortage of" and "the absence of" deny having a thing as "a lack of" does, so that a
# paraphrase of one by another is no contradiction.
LACK_WORDS: Final = words("lacks lack lacking deficiency deficient shortage absence")
NEGATORS: Final = words("not no never none nobody nothing nowhere neither nor cannot without") | LACK_WORDS
# Words that negate the thing after them with the word that follows ("rather than plants", "instead of coal").
CONTRAST_NEGATORS: Final = {"rather": "than", "instead": "of"}
# Words that negate as "not" does, whatever the other text says.
ALWAYS_NEGATIVE: Final = words("unable impossible untrue incorrect")
# Words that say "hardly at all": what a negative affix says, without a negation ("react very little").
DIMINISHERS: Final = words("little low few rarely hardly barely seldom scarcely negligible minimal")
# Adjectives whose "-less" reads as a negation of the rest ("useless" = "not useful").
NEGATIVE_LESS_WORDS: Final = words(
    """useless harmless pointless powerless lifeless colourless colorless odourless odorless tasteless
    weightless airless waterless fruitless helpless hopeless senseless meaningless worthless baseless
    groundless needless careless endless toothless wingless legless eyeless spineless boneless"""
)
# Prefixes that negate the word they start when the rest is a word in its own right; "un" always
# does, but for the words listed in UN_WORDS.
UN_WORDS: Final = words(
    "under understand understood underground undergo underwent uniform union unique unit unite united unity "
    "universe universal university unless until unto"
)
NEGATIVE_PREFIXES: Final = ("un", "in", "im", "il", "ir", "dis", "non")
# Prefixes that negate an "-ible" or "-able" word, its shortest length ("in-ed-ible"), and the words
# that only look so ("intelligible" is no "in-telligible"; "inflammable" burns; "invaluable" is very valuable).
ABILITY_NEGATORS: Final = ("in", "im", "il", "ir")
MIN_NEGATED_ABILITY: Final = 8
NOT_NEGATED_ABILITY: Final = words(
    """intelligible inflammable invaluable inhabitable irritable imitable imaginable inheritable inflatable
    insurable indictable impressionable improvable imputable impressible"""
)
NOT_NEGATING_PREFIXES: Final = ("inter", "intra")
# Words with a negative prefix that are common enough to count without seeing their base.
NEGATIVE_PREFIXED_WORDS: Final = words(
    """unable unsafe untrue incorrect impossible invisible inaccurate incapable inedible insoluble
    unaffected unchanged unrelated unknown unlikely uncommon unusual unhealthy illegal irrelevant
    disagree disproved dislike nonexistent non-toxic nontoxic inactive indirect ineffective insignificant
    incomplete inefficient inaccessible independent"""
)

# Words that show a clause has a verb of its own, so "and" joins two statements, not two nouns
# (besides words ending in "-ed").
VERB_MARKERS: Final = words(
    "is are was were has have had can could will would does do did lies became becomes remains contains "
    "died won lost made began grew took led ran wrote built found gave sank fell rose came went held"
)

# Pairs of opposite words: saying one where the evidence says the other flips the claim.
OPPOSITES: Final[tuple[tuple[str, str], ...]] = (
    ("largest", "smallest"),
    ("biggest", "smallest"),
    ("larger", "smaller"),
    ("bigger", "smaller"),
    ("large", "small"),
    ("big", "small"),
    ("tallest", "shortest"),
    ("taller", "shorter"),
    ("tall", "short"),
    ("longest", "shortest"),
    ("longer", "shorter"),
    ("long", "short"),
    ("highest", "lowest"),
    ("higher", "lower"),
    ("high", "low"),
    ("hottest", "coldest"),
    ("hotter", "colder"),
    ("hot", "cold"),
    ("warmest", "coldest"),
    ("warmer", "cooler"),
    ("warm", "cold"),
    ("wide", "narrow"),
    ("wider", "narrower"),
    ("widest", "narrowest"),
    ("broad", "narrow"),
    ("thick", "thin"),
    ("thicker", "thinner"),
    ("horizontal", "vertical"),
    ("ascend", "descend"),
    ("ascends", "descends"),
    ("ascending", "descending"),
    ("stop", "go"),
    ("push", "pull"),
    ("forward", "backward"),
    ("forwards", "backwards"),
    ("closest", "farthest"),
    ("nearest", "farthest"),
    ("closest", "furthest"),
    ("closer", "farther"),
    ("near", "far"),
    ("deepest", "shallowest"),
    ("deeper", "shallower"),
    ("heaviest", "lightest"),
    ("heavier", "lighter"),
    ("heavy", "light"),
    ("fastest", "slowest"),
    ("faster", "slower"),
    ("fast", "slow"),
    ("oldest", "youngest"),
    ("oldest", "newest"),
    ("older", "younger"),
    ("older", "newer"),
    ("earliest", "latest"),
    ("earlier", "later"),
    ("first", "last"),
    ("most", "least"),
    ("more", "less"),
    ("more", "fewer"),
    ("densest", "least"),
    ("denser", "less"),
    ("before", "after"),
    ("above", "below"),
    ("inside", "outside"),
    ("north", "south"),
    ("northern", "southern"),
    ("northernmost", "southernmost"),
    ("east", "west"),
    ("eastern", "western"),
    ("easternmost", "westernmost"),
    ("left", "right"),
    ("top", "bottom"),
    ("ceiling", "floor"),
    ("hang", "rise"),
    ("hangs", "rises"),
    ("upward", "downward"),
    ("upwards", "downwards"),
    ("uphill", "downhill"),
    ("upstream", "downstream"),
    ("sink", "float"),
    ("sinks", "floats"),
    ("inward", "outward"),
    ("interior", "exterior"),
    ("internal", "external"),
    ("sunrise", "sunset"),
    ("dawn", "dusk"),
    ("arrive", "depart"),
    ("entrance", "exit"),
    ("maximum", "minimum"),
    ("increase", "decrease"),
    ("increases", "decreases"),
    ("increased", "decreased"),
    ("rise", "fall"),
    ("rises", "falls"),
    ("raise", "lower"),
    ("gain", "lose"),
    ("win", "lose"),
    ("won", "lost"),
    ("defeated", "lost"),
    ("open", "closed"),
    ("start", "end"),
    ("begin", "end"),
    ("began", "ended"),
    ("stopped", "kept"),
    ("stopped", "continued"),
    ("birth", "death"),
    ("born", "died"),
    ("survived", "died"),
    ("survive", "die"),
    ("survives", "dies"),
    ("alive", "dead"),
    ("see", "blind"),
    ("hear", "deaf"),
    ("present", "absent"),
    ("common", "rare"),
    ("cheap", "expensive"),
    ("free", "paid"),
    ("strong", "weak"),
    ("hard", "soft"),
    ("hardest", "softest"),
    ("wet", "dry"),
    ("acidic", "alkaline"),
    ("positive", "negative"),
    ("true", "false"),
    ("male", "female"),
    ("import", "export"),
    ("imports", "exports"),
    ("absorbs", "reflects"),
    ("absorb", "reflect"),
    ("attract", "repel"),
    ("expands", "contracts"),
    ("clockwise", "anticlockwise"),
    ("clockwise", "counterclockwise"),
    ("safe", "dangerous"),
    ("same", "different"),
    ("allowed", "banned"),
    ("natural", "artificial"),
    ("natural", "synthetic"),
    ("inner", "outer"),
    ("upper", "lower"),
    ("rich", "poor"),
    ("sweet", "sour"),
    ("dense", "sparse"),
    ("private", "public"),
    ("ancient", "modern"),
    ("good", "poor"),
    ("good", "bad"),
    ("warming", "cooling"),
    ("heating", "cooling"),
    ("warms", "cools"),
    ("heats", "cools"),
    ("freeze", "melt"),
    ("freezes", "melts"),
    ("freezing", "melting"),
    ("rising", "falling"),
    ("growth", "decline"),
    ("expansion", "contraction"),
    ("majority", "minority"),
    ("victory", "defeat"),
    ("winner", "loser"),
    ("success", "failure"),
    ("accept", "reject"),
    ("inhale", "exhale"),
    ("donor", "recipient"),
    ("donors", "recipients"),
    ("sender", "receiver"),
    ("buyer", "seller"),
    ("predator", "prey"),
    ("lend", "borrow"),
    ("give", "receive"),
)

# Words that say the same thing where a slot is compared word by word.
SYNONYMS: Final[tuple[frozenset[str], ...]] = tuple(
    words(group)
    for group in (
        "highest tallest",
        "closest nearest",
        "closer nearer",
        "largest biggest",
        "big large",
        "small little tiny",
        "frozen solid",
        "people humans persons",
        "start begin",
        "end finish complete",
        "build construct",
        "rays radiation",
        "fast quick rapid",
        "sea ocean",
        "car automobile",
        "child kid",
        "keep kept store",
        "flu influenza",
        "ill sick",
        "error mistake",
        "buy purchase",
        "doctor physician",
        "rock stone",
        "smell odour odor scent",
        "speed velocity",
        "allow permit",
        "forbid ban prohibit",
        "eat consume",
        "help aid assist",
        "enough sufficient",
        "film movie",
        "photo photograph",
        "award prize",
        "beat defeat",
        "team side squad",
        "make produce",
    )
)

# Irregular forms of verbs, to the verb: "won" meets "winning", "began" meets "begins". Forms that are
# also other words are left out ("left", "found", "rose", "fell", "saw", "led", "lay", "bit", "shot").
IRREGULAR_FORMS: Final = {
    form: verb
    for verb, forms in (
        ("begin", "began begun"),
        ("win", "won"),
        ("run", "ran"),
        ("write", "wrote written"),
        ("build", "built"),
        ("give", "gave given"),
        ("take", "took taken"),
        ("grow", "grew grown"),
        ("sink", "sank sunk"),
        ("come", "came"),
        ("go", "went gone"),
        ("hold", "held"),
        ("make", "made"),
        ("bring", "brought"),
        ("buy", "bought"),
        ("teach", "taught"),
        ("think", "thought"),
        ("catch", "caught"),
        ("fight", "fought"),
        ("sell", "sold"),
        ("tell", "told"),
        ("speak", "spoke spoken"),
        ("choose", "chose chosen"),
        ("drive", "drove driven"),
        ("fly", "flew flown"),
        ("freeze", "froze frozen"),
        ("eat", "ate eaten"),
        ("drink", "drank"),
        ("swim", "swam swum"),
        ("sing", "sang sung"),
        ("know", "knew known"),
        ("draw", "drew drawn"),
        ("throw", "threw thrown"),
        ("break", "broke broken"),
        ("steal", "stole stolen"),
        ("ride", "rode ridden"),
        ("strike", "struck stricken"),
        ("hide", "hid hidden"),
        ("become", "became"),
        ("beat", "beaten"),
        ("meet", "met"),
        ("send", "sent"),
        ("spend", "spent"),
        ("lose", "lost"),
        ("pay", "paid"),
        ("say", "said"),
        ("keep", "kept"),
        ("flee", "fled"),
        ("sleep", "slept"),
        ("wear", "wore worn"),
        ("shine", "shone"),
        ("dig", "dug"),
        ("hang", "hung"),
        ("stand", "stood"),
        ("understand", "understood"),
        ("seek", "sought"),
        ("spin", "spun"),
        ("forget", "forgot forgotten"),
        ("forbid", "forbade forbidden"),
        ("shake", "shook shaken"),
        ("wake", "woke woken"),
        ("feed", "fed"),
        ("lend", "lent"),
        ("weep", "wept"),
    )
    for form in forms.split()
}

# Comparatives that say the first side's figure is the greater, and those that say it is the smaller.
GREATER_WORDS: Final = words(
    "more greater larger bigger longer higher taller wider heavier older faster deeper hotter warmer later"
)
LESSER_WORDS: Final = words(
    "fewer less smaller shorter lower narrower lighter younger slower shallower colder cooler earlier"
)

# Verbs whose two sides can be swapped without changing the fact ("France borders Spain"): no role swap.
SYMMETRIC_VERBS: Final = words(
    "border borders bordered neighbour neighbours married marry meet met played play faced face drew draw "
    "tied tie joined join resembles resemble equals equal shares share merged merge"
)

# Modifiers that make a noun name something else: a "former capital" is not the capital, a "dwarf
# planet" not a planet, a "fake diamond" not a diamond.
PRIVATIVE_MODIFIERS: Final = words(
    "former ex fake mock toy dwarf pseudo imitation counterfeit alleged faux sham erstwhile onetime replica"
)

# Sets of words of which a thing is one: a claim that names another member than its evidence
# is refuted (material, state, class of animal, colour, direction of travel...).
CATEGORIES: Final[tuple[frozenset[str], ...]] = tuple(
    words(members)
    for members in (
        # materials and chemical elements: what a thing is made of
        "iron steel gold silver copper bronze brass aluminium aluminum tin zinc nickel platinum titanium "
        "wood stone marble granite glass plastic concrete brick clay ceramic paper cotton silk wool leather "
        "rubber bamboo oxygen nitrogen hydrogen helium carbon argon neon chlorine sodium potassium calcium "
        "sulfur sulphur phosphorus uranium silicon mercury lead",
        "methane ozone",
        # what drives a machine
        "steam diesel electric electricity petrol gasoline coal horses wind nuclear cable cables",
        "solid liquid gas plasma",
        "mammal mammals reptile reptiles bird birds fish amphibian amphibians insect insects arachnid arachnids "
        "marsupial marsupials crustacean crustaceans",
        "red orange yellow green blue indigo violet purple pink brown black white grey gray",
        "fruit vegetable nut legume grain berry",
        "bacteria bacterium virus viruses fungus fungi parasite parasites",
        "herbivore herbivores carnivore carnivores omnivore omnivores",
        "spring summer autumn winter",
        "january february march april june july august september october november december",  # not "may"
        "monday tuesday wednesday thursday friday saturday sunday",
        "igneous sedimentary metamorphic",
        "proton protons neutron neutrons electron electrons",
        "arteries veins capillaries",
        "freshwater saltwater",
        "nocturnal diurnal",
    )
)

# Capitalised words that name a kind of place rather than which one ("the Atlantic Ocean" and
# "the Pacific Ocean" differ in their other word).
GENERIC_NAME_WORDS: Final = words(
    """the of and de da van von der la le el al mount mountain mountains lake river sea ocean oceans city island
    islands desert galaxy station space university republic kingdom united state states empire north south
    east west northern southern eastern western great new old saint st cape bay gulf strait canal national
    museum prize nobel company international world first second third age war protocol treaty accord agreement
    convention conference act railway railways railroad bridge falls express airport cathedral palace"""
)
# Superlatives of the same degree: the lowest of a measure, and the highest.
DEGREE_FAMILIES: Final = (words("least lowest fewest smallest"), words("highest largest greatest biggest"))
# Chemical formulas people write for a substance's name, read as the words of that name ("CO2" is "carbon
# dioxide", not a name "CO" and a count of 2).
FORMULAS: Final = {
    "CO2": ("carbon", "dioxide"),
    "H2O": ("water",),
    "O2": ("oxygen",),
    "O3": ("ozone",),
    "N2": ("nitrogen",),
    "H2": ("hydrogen",),
    "CH4": ("methane",),
    "SO2": ("sulfur", "dioxide"),
    "NaCl": ("sodium", "chloride"),
}
# Other names for the same thing, each mapped to one spelling.
ALIASES: Final = {
    "ussr": "soviet",
    "usa": "america",
    "us": "america",
    "american": "america",
    "uk": "britain",
    "british": "britain",
    "england": "britain",
    "soviet": "soviet",
    "russian": "russia",
    "french": "france",
    "german": "germany",
    "chinese": "china",
    "japanese": "japan",
    "italian": "italy",
    "spanish": "spain",
    "dutch": "netherlands",
    "swiss": "switzerland",
    "canadian": "canada",
    "australian": "australia",
    "martian": "mars",
    "lunar": "moon",
    "solar": "sun",
    "earth's": "earth",
}

NUMBER_WORDS: Final = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "dozen": 12,
    "single": 1,
    "twice": 2,
    "double": 2,
    "half": 0.5,
    "once": 1,
}
# The number words that combine into larger numbers ("twenty six", "three hundred and ten").
COUNTING_WORDS: Final = words(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"""
)
SCALE_WORDS: Final = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
ORDINALS: Final = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}
# Parts of a whole, by the number of parts: "three quarters of" is 75 percent.
FRACTIONS: Final = {
    **dict.fromkeys(["half", "halves"], 2),
    **dict.fromkeys(["third", "thirds"], 3),
    **dict.fromkeys(["quarter", "quarters"], 4),
    **dict.fromkeys(["fifth", "fifths"], 5),
    **dict.fromkeys(["tenth", "tenths"], 10),
}
MONTHS: Final = words("january february march april may june july august september october november december")

# Unit words: (dimension, factor to the dimension's base unit). Temperatures are converted apart.
UNITS: Final[dict[str, tuple[str, float]]] = {
    **dict.fromkeys(["km", "kilometre", "kilometres", "kilometer", "kilometers"], ("length", 1e3)),
    **dict.fromkeys(["m", "metre", "metres", "meter", "meters"], ("length", 1.0)),
    **dict.fromkeys(["cm", "centimetre", "centimetres", "centimeter", "centimeters"], ("length", 1e-2)),
    **dict.fromkeys(["mm", "millimetre", "millimetres", "millimeter", "millimeters"], ("length", 1e-3)),
    **dict.fromkeys(["mile", "miles"], ("length", 1609.344)),
    **dict.fromkeys(["foot", "feet", "ft"], ("length", 0.3048)),
    **dict.fromkeys(["inch", "inches"], ("length", 0.0254)),
    **dict.fromkeys(["yard", "yards"], ("length", 0.9144)),
    **dict.fromkeys(["light-year", "light-years"], ("length", 9.4607e15)),
    **dict.fromkeys(["kg", "kilogram", "kilograms"], ("mass", 1e3)),
    **dict.fromkeys(["g", "gram", "grams"], ("mass", 1.0)),
    **dict.fromkeys(["tonne", "tonnes", "ton", "tons"], ("mass", 1e6)),
    **dict.fromkeys(["pound", "pounds", "lb"], ("mass", 453.592)),
    **dict.fromkeys(["second", "seconds", "s"], ("time", 1.0)),
    **dict.fromkeys(["minute", "minutes"], ("time", 60.0)),
    **dict.fromkeys(["hour", "hours", "h", "hr", "hrs"], ("time", 3600.0)),
    **dict.fromkeys(["day", "days"], ("time", 86400.0)),
    **dict.fromkeys(["week", "weeks"], ("time", 604800.0)),
    **dict.fromkeys(["month", "months"], ("time", 2.6298e6)),
    **dict.fromkeys(["year", "years"], ("time", 3.15576e7)),
    **dict.fromkeys(["mph"], ("length/time", 0.44704)),
    **dict.fromkeys(["kph"], ("length/time", 1 / 3.6)),
    **dict.fromkeys(["knot", "knots"], ("length/time", 0.514444)),
    **dict.fromkeys(["percent", "%", "per cent"], ("percent", 1.0)),
    **dict.fromkeys(["hertz", "hz"], ("frequency", 1.0)),
    **dict.fromkeys(["kilohertz", "khz"], ("frequency", 1e3)),
    **dict.fromkeys(["megahertz", "mhz"], ("frequency", 1e6)),
    **dict.fromkeys(["gigahertz", "ghz"], ("frequency", 1e9)),
    **dict.fromkeys(["kelvin"], ("temperature-k", 1.0)),  # temperatures are compared in Celsius
    **dict.fromkeys(["celsius", "°c", "c"], ("temperature-c", 1.0)),
    **dict.fromkeys(["fahrenheit", "°f", "f"], ("temperature-f", 1.0)),
    **dict.fromkeys(["bit", "bits"], ("information", 1.0)),
    **dict.fromkeys(["byte", "bytes"], ("information", 8.0)),
    **dict.fromkeys(["kilopascal", "kilopascals", "kpa"], ("pressure", 1e3)),
    **dict.fromkeys(["pascal", "pascals", "pa"], ("pressure", 1.0)),
    **dict.fromkeys(["volt", "volts"], ("voltage", 1.0)),
    **dict.fromkeys(["watt", "watts"], ("power", 1.0)),
    **dict.fromkeys(["calorie", "calories", "kcal"], ("energy", 1.0)),
}
# Words between a number and its unit that do not change it ("100 degrees Celsius").
UNIT_FILLERS: Final = frozenset({"degree", "degrees", "square", "cubic", "per"})
# Words before a number that make it a bound, not a value.
LOWER_BOUNDS: Final = frozenset({"over", "above", "exceeding"})
UPPER_BOUNDS: Final = frozenset({"under", "below"})
HEDGES: Final = frozenset(
    {"about", "around", "roughly", "approximately", "nearly", "almost", "some", "circa", "estimated"}
)
