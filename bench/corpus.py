"""Generate a corpus of scraped-looking pages: `python -m bench.corpus --documents N --out DIR`.

Writes N files in the three layouts the seeds show (mixed), deterministic for a
given --seed: titles, dates over 1917–1991, several archives and reference
forms, Russian originals and English translations of varied length (some
long), names drawn from the starter authority with their variants, and a
Zipf-like vocabulary so that some words are rare and others everywhere. The
files import through the normal `import_documents`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
from pathlib import Path

AUTHORITY = Path(__file__).resolve().parent.parent / "people" / "data" / "authority.json"

ENGLISH_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "that",
    "government",
    "soviet",
    "delegation",
    "question",
    "comrade",
    "minister",
    "committee",
    "party",
    "conversation",
    "treaty",
    "embassy",
    "proposal",
    "military",
    "economic",
    "aid",
    "agreement",
    "situation",
    "position",
    "meeting",
    "relations",
    "policy",
    "forces",
    "border",
    "negotiations",
    "conference",
    "representative",
    "delegation",
    "secretary",
    "council",
    "resolution",
    "peace",
    "war",
    "security",
    "army",
    "navy",
    "republic",
    "people",
    "workers",
    "congress",
    "plenum",
    "directive",
    "telegram",
    "memorandum",
    "report",
    "cable",
    "armistice",
    "reunification",
    "withdrawal",
    "troops",
    "artillery",
    "supply",
    "grain",
    "steel",
    "coal",
    "oil",
    "railway",
    "harbour",
    "fleet",
    "aviation",
    "radio",
    "press",
    "propaganda",
    "consulate",
    "visa",
    "passport",
    "trade",
    "credit",
    "loan",
    "rouble",
    "dollar",
    "yen",
    "tariff",
    "fisheries",
    "oceanography",
    "uranium",
    "reactor",
    "missile",
    "satellite",
    "cosmonaut",
    "olympiad",
    "theatre",
    "ballet",
    "orchestra",
    "university",
    "academy",
    "hospital",
    "epidemic",
    "cholera",
    "famine",
    "harvest",
    "drought",
    "flood",
    "earthquake",
    "typhoon",
    "refugees",
    "prisoners",
    "repatriation",
    "amnesty",
    "tribunal",
    "verdict",
    "espionage",
    "defector",
    "cipher",
    "courier",
    "dacha",
    "kolkhoz",
]
RUSSIAN_WORDS = [
    "и",
    "в",
    "не",
    "на",
    "что",
    "с",
    "по",
    "правительство",
    "советский",
    "делегация",
    "вопрос",
    "товарищ",
    "министр",
    "комитет",
    "партия",
    "беседа",
    "договор",
    "посольство",
    "предложение",
    "военный",
    "экономический",
    "помощь",
    "соглашение",
    "положение",
    "позиция",
    "встреча",
    "отношения",
    "политика",
    "войска",
    "граница",
    "переговоры",
    "конференция",
    "представитель",
    "секретарь",
    "совет",
    "резолюция",
    "мир",
    "война",
    "безопасность",
    "армия",
    "флот",
    "республика",
    "народ",
    "рабочие",
    "съезд",
    "пленум",
    "директива",
    "телеграмма",
    "записка",
    "доклад",
    "перемирие",
    "объединение",
    "вывод",
    "артиллерия",
    "снабжение",
    "зерно",
    "сталь",
    "уголь",
    "нефть",
    "железная",
    "дорога",
    "гавань",
    "авиация",
    "радио",
    "печать",
    "пропаганда",
    "консульство",
    "торговля",
    "кредит",
    "заем",
    "рубль",
    "тариф",
    "рыболовство",
    "уран",
    "ракета",
    "спутник",
    "театр",
    "университет",
    "академия",
    "больница",
    "эпидемия",
    "урожай",
    "засуха",
    "наводнение",
    "беженцы",
    "военнопленные",
    "репатриация",
    "амнистия",
    "трибунал",
    "шпионаж",
    "шифр",
    "курьер",
    "колхоз",
]
TYPES = [
    ("Record of Conversation", "Запись беседы"),
    ("Telegram", "Телеграмма"),
    ("Memorandum", "Записка"),
    ("Letter", "Письмо"),
    ("Report", "Доклад"),
    ("Decision", "Решение"),
    ("Cable", "Шифротелеграмма"),
    ("Minutes", "Протокол"),
]
CLASSIFICATIONS = [("SECRET", "СЕКРЕТНО"), ("TOP SECRET", "СОВЕРШЕННО СЕКРЕТНО"), ("", "")]
FUNDERS = [
    "Blavatnik Family Foundation",
    "Leon Levy Foundation",
    "Korea Foundation",
    "MacArthur Foundation",
]
TRANSLATORS = ["Gary Goldberg", "Sergey Radchenko", "Kathryn Weathersby", "James F. Person"]
MONTHS = [datetime.date(2000, m, 1).strftime("%B") for m in range(1, 13)]


def zipf_words(rng: random.Random, vocabulary: list[str], n: int) -> list[str]:
    # Weight 1/rank: a few words everywhere, a long tail of rare ones.
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    return rng.choices(vocabulary, weights=weights, k=n)


def paragraph(rng: random.Random, vocabulary: list[str], names: list[str], words: int) -> str:
    tokens = zipf_words(rng, vocabulary, words)
    for _ in range(max(1, words // 60)):
        tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(names))
    sentences, current = [], []
    for token in tokens:
        current.append(token)
        if len(current) >= rng.randint(8, 18):
            sentences.append(" ".join(current).capitalize() + ".")
            current = []
    if current:
        sentences.append(" ".join(current).capitalize() + ".")
    return " ".join(sentences)


def body(rng: random.Random, vocabulary: list[str], names: list[str]) -> str:
    # Most documents are a page or two; one in twenty is long.
    length = rng.choice([120, 250, 400, 600]) if rng.random() > 0.05 else 4000
    paragraphs = []
    while length > 0:
        size = min(length, rng.randint(40, 150))
        paragraphs.append(paragraph(rng, vocabulary, names, size))
        length -= size
    return "\n\n".join(paragraphs)


def reference(rng: random.Random) -> str:
    form = rng.randrange(6)
    fond, opis, delo = rng.randint(1, 600), rng.randint(1, 90), rng.randint(1, 1500)
    first = rng.randint(1, 300)
    folios = f"{first}-{first + rng.randint(1, 12)}"
    if form == 0:
        return f"APRF, Fond {fond}, Opis {opis}, Delo {delo}, Listy {folios}"
    if form == 1:
        return f"RGASPI, f. {fond}, op. {opis}, d. {delo}, ll. {folios}"
    if form == 2:
        papka = rng.randint(1, 200)
        return f"AVPRF, fond {fond:04d}, opis {opis}, papka {papka}, delo {delo}, pp. {folios}"
    if form == 3:
        return f"GARF, f. {fond}, op. {opis}, d. {delo}, l. {first}"
    if form == 4:
        return f"RGANI, f. {fond}, op. {opis}, d. {delo}, ll. {folios}"
    second_fond, papka = rng.randint(10, 99), rng.randint(1, 99)
    return (
        f"APRF, Fond {fond}, Opis {opis}, Delo {delo}, Listy {folios}, and "
        f"AVPRF, Fond 0{second_fond}a, Opis {opis}a, Delo {delo}, Papka {papka}, Listy {folios}"
    )


def load_names() -> tuple[list[dict], list[dict]]:
    data = json.loads(AUTHORITY.read_text(encoding="utf-8"))
    return data["people"], data["organizations"]


def document(rng: random.Random, index: int, people: list[dict]) -> tuple[str, str]:
    """(file name, text) of the index-th page."""
    day = datetime.date(1917, 1, 1) + datetime.timedelta(days=rng.randrange(27_000))
    date_text = f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
    kind, kind_ru = rng.choice(TYPES)
    author, recipient = rng.sample(people, 2)
    title = f"{kind} from {author['name']} to {recipient['name']}"
    if rng.random() < 0.3:
        title += f" on the {' '.join(zipf_words(rng, ENGLISH_WORDS[20:], 2))}"
    ru_names = [
        v["name"]
        for p in rng.sample(people, 3)
        for v in p.get("variants", [])
        if v["language"] == "ru"
    ] or [author["name"]]
    en_names = [author["name"], recipient["name"]] + [
        v["name"] for v in author.get("variants", []) if v["language"] == "en"
    ][:2]
    classification, classification_ru = rng.choice(CLASSIFICATIONS)
    external_id = str(300_000 + index)
    citation = (
        f'"{title}", {date_text}, Wilson Center Digital Archive, {reference(rng)}. '
        f"Contributed by {rng.choice(TRANSLATORS)} and translated by {rng.choice(TRANSLATORS)}."
    )
    summary = paragraph(rng, ENGLISH_WORDS, en_names, rng.randint(20, 45))
    english = body(rng, ENGLISH_WORDS, en_names)
    has_original = rng.random() < 0.6
    russian = body(rng, RUSSIAN_WORDS, ru_names) if has_original else ""
    funder = rng.choice(FUNDERS)
    layout = index % 3
    url = f"https://digitalarchive.wilsoncenter.org/document/{external_id}"
    if layout == 0:
        parts = [
            "", "", date_text, "", title, "", "Citation:", "", citation, "", f"<{url}>", "",
            "Summary:", "", summary, "", "Original Language:", "", "Russian", "",
            "Contents:", "",
        ]  # fmt: skip
        if has_original:
            parts += ["Original Scan", ""]
        parts += ["Translation - English", ""]
        if has_original:
            parts += [
                f"{classification_ru}" if classification_ru else "",
                kind_ru.upper(),
                "",
                russian,
                "",
            ]
        parts += [classification, "", english, ""]
    elif layout == 1:
        parts = [
            "", "", f"# {date_text} {title}", "", "#### Citation:", "", citation, "", url, "",
            "## **Summary:**", "", summary, "", "### **Credits:**", "",
            f"This document was made possible with support from {funder}", "",
            "# **Original Language:**", "", "Russian", "", "#### Contents:", "",
            "Translation - English", "",
        ]  # fmt: skip
        if classification:
            parts += [f"#### **{classification}**", ""]
        parts += [english, "", f"**{author['name'].split()[-1].upper()}**", ""]
    else:
        parts = [
            "Search in", "", "Digital Archive International History Declassified", "",
            date_text, "", "", f"This document was made possible with support from the {funder}",
            "", "  • Citation", "", "    get citation", "", f"    {summary}",
            f"    {citation}", "  • share document", "", "", "English HTML", "", "",
            f"{day.day} {MONTHS[day.month - 1]} {day.year} {author['name']}", "",
            f"{classification.title()}" if classification else "", "", english, "",
            author["name"], "",
        ]  # fmt: skip
    return f"{index:07d}.txt", "\n".join(parts)


def generate(documents: int, out: Path, seed: int = 1) -> int:
    people, _organizations = load_names()
    rng = random.Random(seed)
    written = 0
    for index in range(documents):
        name, text = document(rng, index, people)
        # Spread files over folders: a million in one directory is slow to list.
        folder = out / f"{index // 10_000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        data = text.encode("utf-8")
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
        written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    count = generate(args.documents, args.out, args.seed)
    print(f"wrote {count} documents to {args.out}")


if __name__ == "__main__":
    main()
