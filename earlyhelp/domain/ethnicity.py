"""How a child's sex and ethnicity are recorded: reference data, as the council's returns need them.

Ethnicity follows the 2021 Census for England (Office for National Statistics): 19 categories in 5 groups,
each shown with its group ("White: Irish"), plus the answer of someone who prefers not to say. Nothing
recorded means nobody has asked yet, which is never shown as an answer.

Sex is recorded as the Department for Education's children in need census records it (and the Standard
Safeguarding Dataset after it): female, male, not known, or not stated (the family prefers not to say),
each with its DfE code for returns.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Ethnicity:
    code: str
    group: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.group}: {self.name}"


ASIAN = "Asian, Asian British or Asian Welsh"
BLACK = "Black, Black British, Black Welsh, Caribbean or African"
MIXED = "Mixed or Multiple ethnic groups"
WHITE = "White"
OTHER = "Other ethnic group"

# As the ONS lists them (its 19 output categories), each with the group it belongs to.
CENSUS_2021 = (
    Ethnicity("asian_bangladeshi", ASIAN, "Bangladeshi"),
    Ethnicity("asian_chinese", ASIAN, "Chinese"),
    Ethnicity("asian_indian", ASIAN, "Indian"),
    Ethnicity("asian_pakistani", ASIAN, "Pakistani"),
    Ethnicity("asian_other", ASIAN, "Other Asian"),
    Ethnicity("black_african", BLACK, "African"),
    Ethnicity("black_caribbean", BLACK, "Caribbean"),
    Ethnicity("black_other", BLACK, "Other Black"),
    Ethnicity("mixed_white_asian", MIXED, "White and Asian"),
    Ethnicity("mixed_white_black_african", MIXED, "White and Black African"),
    Ethnicity("mixed_white_black_caribbean", MIXED, "White and Black Caribbean"),
    Ethnicity("mixed_other", MIXED, "Other Mixed or Multiple ethnic groups"),
    Ethnicity("white_british", WHITE, "English, Welsh, Scottish, Northern Irish or British"),
    Ethnicity("white_irish", WHITE, "Irish"),
    Ethnicity("white_gypsy_irish_traveller", WHITE, "Gypsy or Irish Traveller"),
    Ethnicity("white_roma", WHITE, "Roma"),
    Ethnicity("white_other", WHITE, "Other White"),
    Ethnicity("other_arab", OTHER, "Arab"),
    Ethnicity("other_any", OTHER, "Any other ethnic group"),
)
GROUPS = tuple(dict.fromkeys(ethnicity.group for ethnicity in CENSUS_2021))
NOT_STATED = Ethnicity("not_stated", "Not stated", "Prefers not to say")
ETHNICITIES = {ethnicity.code: ethnicity for ethnicity in (*CENSUS_2021, NOT_STATED)}


def ethnicity_label(code: str) -> str:
    """What a stored ethnicity reads as ("White: Irish"); "" for none recorded."""
    if code == NOT_STATED.code:
        return NOT_STATED.name
    ethnicity = ETHNICITIES.get(code)
    return ethnicity.label if ethnicity else code


@dataclass(frozen=True)
class Sex:
    code: str
    label: str
    dfe_code: str  # the children in need census code: 0 not known, 1 male, 2 female, 9 not stated


SEXES = {
    sex.code: sex
    for sex in (
        Sex("female", "Female", "2"),
        Sex("male", "Male", "1"),
        Sex("not_known", "Not known", "0"),
        Sex("not_stated", "Not stated (prefers not to say)", "9"),
    )
}


def sex_label(code: str) -> str:
    return SEXES[code].label if code in SEXES else ""
