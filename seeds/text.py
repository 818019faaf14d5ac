"""Original French text for bulk demo data: word lists, sentence templates and the
functions that assemble them into titles, standfirsts, Markdown bodies, briefs and
comments about medical imaging.

Pure functions of a ``random.Random``: no models, no database, the same output for the
same generator state.

Templates are ``str.format`` strings whose fields name a word list. A field may carry
a grammatical form and a capital, so that French articles contract correctly:

* ``{modality}`` "le scanner", ``{de_modality}`` "du scanner", ``{a_modality}``
  "au scanner", ``{of_modality}`` "de scanner" (no article: "un rendez-vous d’IRM");
* ``{Modality}`` "Le scanner" (capital first letter);
* ``{actors2}``: a second, independent pick from the same list.

Within one template, the same field always gets the same value. Every noun phrase
used as a subject is singular except ``actors``, which is always plural, so that no
verb or adjective has to agree with a pick.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.text import slugify

# --- French typography --------------------------------------------------------------

NBSP = "\u00a0"
THIN_NBSP = "\u202f"
_SPACE_BEFORE = re.compile(r" ([:;?!»%])")


def typography(text: str) -> str:
    """Glue « », : ; ? ! and % to their word with non-breaking spaces, as French does."""
    return _SPACE_BEFORE.sub(NBSP + r"\1", text).replace("« ", "«" + NBSP)


def thousands(number: int) -> str:
    return f"{number:,}".replace(",", THIN_NBSP)


# --- Word lists ---------------------------------------------------------------------

RUBRICS = (
    "Prospective",
    "Intelligence artificielle",
    "IRM",
    "Scanner",
    "Radioprotection",
    "Échographie",
    "Interventionnelle",
    "Économie de la santé",
    "Téléradiologie",
    "Sénologie",
    "Exercice libéral",
    "Formation",
)


@dataclass(frozen=True)
class AuthorText:
    full_name: str
    organisation: str
    titles: tuple[str, ...]
    bio: str


# Invented people: any likeness to a real one is a coincidence of common names.
AUTHORS = (
    AuthorText(
        "Claire Morvan",
        "Groupe d’imagerie médicale de l’Ouest",
        ("Médecin radiologue",),
        "Radiologue libérale, elle suit l’organisation des cabinets et la téléradiologie.",
    ),
    AuthorText(
        "Julien Fabre",
        "",
        ("Journaliste santé",),
        "Journaliste, il couvre l’économie de la santé et la politique hospitalière.",
    ),
    AuthorText(
        "Sophie Lemoine",
        "Centre hospitalier universitaire",
        ("Médecin radiologue", "Praticien hospitalier"),
        "Radiologue hospitalière, spécialiste de l’imagerie de la femme.",
    ),
    AuthorText(
        "Karim Benali",
        "",
        ("Physicien médical",),
        "Physicien médical, il écrit sur la dose, la qualité image et la radioprotection.",
    ),
    AuthorText(
        "Hélène Garnier",
        "",
        ("Journaliste santé",),
        "Journaliste, elle suit l’intelligence artificielle en médecine.",
    ),
    AuthorText(
        "Yann Le Gall",
        "Institut de formation des manipulateurs",
        ("Manipulateur en électroradiologie médicale", "Cadre de santé"),
        "Cadre de santé, il forme les futurs manipulateurs.",
    ),
    AuthorText(
        "Marion Vidal",
        "",
        ("Économiste de la santé",),
        "Économiste, elle analyse le financement de l’imagerie en ville et à l’hôpital.",
    ),
    AuthorText(
        "Olivier Perrin",
        "Service de radiologie interventionnelle",
        ("Médecin radiologue", "Radiologue interventionnel"),
        "Radiologue interventionnel, il raconte les gestes guidés par l’image.",
    ),
    AuthorText(
        "Camille Roussel",
        "",
        ("Journaliste",),
        "Journaliste, elle couvre l’actualité des régions et des agences régionales de santé.",
    ),
    AuthorText(
        "Thomas Nguyen",
        "",
        ("Interne en radiologie",),
        "Interne, il tient la chronique de la formation et des jeunes radiologues.",
    ),
    AuthorText(
        "Agnès Hamon",
        "Centre de lutte contre le cancer",
        ("Médecin nucléaire",),
        "Médecin nucléaire, elle écrit sur le TEP-scanner et la médecine de précision.",
    ),
    AuthorText(
        "Guillaume Caron",
        "",
        ("Ingénieur biomédical",),
        "Ingénieur biomédical, il suit les achats d’équipements et la cybersécurité.",
    ),
)

MODALITIES = (
    "l’IRM",
    "le scanner",
    "l’échographie",
    "la mammographie",
    "la radiographie conventionnelle",
    "le TEP-scanner",
    "la scintigraphie",
    "l’angiographie",
    "la tomosynthèse mammaire",
    "l’IRM cardiaque",
    "le scanner spectral",
    "l’IRM de la prostate",
    "le coroscanner",
    "la densitométrie osseuse",
    "l’échographie de contraste",
    "le cone beam",
    "l’IRM à bas champ",
    "la radiologie interventionnelle",
)

ISSUES = (
    "la dose délivrée aux patients",
    "l’allongement des délais de rendez-vous",
    "la pertinence des demandes d’examen",
    "la qualité des images",
    "la cybersécurité des systèmes d’information",
    "l’injection de produit de contraste",
    "la permanence des soins",
    "la téléradiologie",
    "le dépistage organisé du cancer du sein",
    "l’archivage des images dans le PACS",
    "la cotation des actes",
    "le forfait technique",
    "la démographie des radiologues",
    "l’attractivité des postes hospitaliers",
    "la formation des manipulateurs",
    "le compte rendu structuré",
    "la radioprotection des travailleurs",
    "le renouvellement du parc d’équipements",
    "la consommation d’hélium",
    "l’empreinte carbone des examens",
    "la prise en charge des urgences",
    "la gestion des découvertes fortuites",
    "la seconde lecture des mammographies",
    "l’accès à l’IRM en ville",
    "la financiarisation des cabinets",
    "l’interopérabilité entre RIS et PACS",
    "l’intelligence artificielle",
    "le partage des images entre établissements",
    "la protection des données de santé",
    "l’information des patients",
)

ACTORS = (
    "les radiologues",
    "les manipulateurs en électroradiologie médicale",
    "les médecins nucléaires",
    "les urgentistes",
    "les médecins généralistes",
    "les directions hospitalières",
    "les industriels",
    "les éditeurs de logiciels",
    "les physiciens médicaux",
    "les cadres de santé",
    "les internes en radiologie",
    "les radiologues libéraux",
    "les oncologues",
    "les sénologues",
    "les radiologues interventionnels",
    "les associations de patients",
)

INSTITUTIONS = (
    "la Haute Autorité de santé",
    "l’Autorité de sûreté nucléaire et de radioprotection",
    "l’Assurance maladie",
    "la Direction générale de l’offre de soins",
    "la CNIL",
    "la Société française de radiologie",
    "la Fédération nationale des médecins radiologues",
    "l’ANSM",
    "le ministère de la Santé",
    "le Conseil national professionnel de radiologie",
    "l’Académie nationale de médecine",
    "la Cour des comptes",
)

REGIONS = (
    ("Bretagne", "en Bretagne"),
    ("Hauts-de-France", "dans les Hauts-de-France"),
    ("Occitanie", "en Occitanie"),
    ("Grand Est", "dans le Grand Est"),
    ("Auvergne-Rhône-Alpes", "en Auvergne-Rhône-Alpes"),
    ("Nouvelle-Aquitaine", "en Nouvelle-Aquitaine"),
    ("Île-de-France", "en Île-de-France"),
    ("Normandie", "en Normandie"),
    ("Centre-Val de Loire", "en Centre-Val de Loire"),
    ("Provence-Alpes-Côte d’Azur", "en Provence-Alpes-Côte d’Azur"),
    ("Bourgogne-Franche-Comté", "en Bourgogne-Franche-Comté"),
    ("Pays de la Loire", "en Pays de la Loire"),
)

FACILITIES = (
    "un CHU",
    "un centre hospitalier",
    "un cabinet libéral",
    "un groupe d’imagerie",
    "une clinique privée",
    "un centre de lutte contre le cancer",
    "un hôpital de proximité",
    "un centre d’imagerie",
)

TOOLS = (
    "un algorithme de détection des fractures",
    "un logiciel d’aide au diagnostic",
    "une plateforme de téléradiologie",
    "un outil de tri des urgences",
    "un protocole basse dose",
    "un système de reconnaissance vocale",
    "un injecteur connecté",
    "un modèle de langage spécialisé",
    "une console de post-traitement",
    "un logiciel de suivi de dose",
    "une reconstruction par apprentissage profond",
    "un dossier patient partagé",
    "un portail de résultats pour les patients",
    "un algorithme de détection des nodules pulmonaires",
    "un outil de compte rendu structuré",
    "un agenda partagé entre établissements",
)

EXAMS = (
    "scanners thoraciques",
    "IRM du genou",
    "mammographies de dépistage",
    "échographies abdominales",
    "radiographies du thorax",
    "IRM cérébrales",
    "coroscanners",
    "scanners à faible dose du poumon",
    "bilans d’extension",
    "IRM pelviennes",
    "échographies obstétricales",
    "scanners des urgences",
)

DISEASES = (
    "le cancer du sein",
    "le cancer du poumon",
    "l’AVC",
    "l’embolie pulmonaire",
    "les fractures du poignet",
    "la sclérose en plaques",
    "la maladie d’Alzheimer",
    "les nodules thyroïdiens",
    "le cancer de la prostate",
    "l’endométriose",
    "les lésions hépatiques",
    "la maladie coronaire",
    "les traumatismes crâniens",
)

CITIES = (
    *("Rennes", "Lille", "Toulouse", "Nancy", "Lyon", "Bordeaux", "Brest", "Amiens"),
    *("Clermont-Ferrand", "Dijon", "Montpellier", "Rouen", "Tours", "Grenoble", "Limoges"),
    *("Poitiers", "Besançon", "Reims", "Angers", "Nantes", "Strasbourg", "Marseille", "Nice"),
    *("Caen", "Orléans", "Metz", "Saint-Étienne", "Perpignan", "Pau", "Annecy", "Valence"),
    *("Quimper", "Chambéry", "Nîmes", "Bayonne", "Vannes", "Lorient", "Colmar", "Troyes"),
)

FIRST_NAMES_F = (
    *("Claire", "Sophie", "Élodie", "Nathalie", "Camille", "Anne", "Isabelle", "Julie"),
    *("Marion", "Hélène", "Laure", "Agnès", "Céline", "Pauline", "Inès", "Léa", "Manon"),
)
FIRST_NAMES_M = (
    *("Thomas", "Nicolas", "Julien", "François", "Olivier", "Mathieu", "Pierre", "Antoine"),
    *("Laurent", "Bruno", "Guillaume", "Yann", "Éric", "Karim", "Hugo", "Louis", "Samir"),
)
LAST_NAMES = (
    *("Morvan", "Lefèvre", "Garnier", "Rousseau", "Chevalier", "Perrin", "Lemoine", "Fabre"),
    *("Mercier", "Guérin", "Benali", "Da Silva", "Nguyen", "Roussel", "Barbier", "Leclerc"),
    *("Marchand", "Colin", "Hamon", "Vidal", "Caron", "Giraud", "Le Gall", "Picard"),
    *("Renaud", "Schmitt", "Masson", "Brunet", "Faure", "Boyer", "Haddad", "Lopez"),
)

ROLES_F = (
    "radiologue au CHU {of_city}",
    "manipulatrice en électroradiologie à {city}",
    "physicienne médicale au centre hospitalier {of_city}",
    "directrice d’un groupe d’imagerie à {city}",
    "cheffe du service de radiologie d’un hôpital {region}",
    "radiologue libérale à {city}",
    "cadre de santé en imagerie à {city}",
)
ROLES_M = (
    "radiologue au CHU {of_city}",
    "manipulateur en électroradiologie à {city}",
    "physicien médical au centre hospitalier {of_city}",
    "directeur d’un groupe d’imagerie à {city}",
    "chef du service de radiologie d’un hôpital {region}",
    "radiologue libéral à {city}",
    "cadre de santé en imagerie à {city}",
)

QUOTES: tuple[str, ...] = (
    "Nous avons gagné du temps sur les examens simples, ce qui laisse plus d’attention "
    "pour les cas complexes",
    "Sans manipulateurs en nombre suffisant, aucune machine ne tourne, si performante soit-elle",
    "L’algorithme signale, le radiologue décide : c’est la règle que nous nous sommes fixée",
    "Les patients attendent trop longtemps, et ce n’est pas une question d’équipement "
    "mais d’organisation",
    "La téléradiologie n’est pas un pis-aller si elle est construite avec les équipes locales",
    "Nous devons expliquer aux patients ce que nous faisons de leurs images et de leurs données",
    "La baisse des tarifs fragilise les cabinets qui investissent dans du matériel récent",
    "Il faut évaluer ces outils en conditions réelles, pas seulement sur des jeux de "
    "données choisis",
    "La dose n’est jamais anodine, surtout chez l’enfant : chaque examen doit être justifié",
    "Le dialogue avec les cliniciens est ce qui donne sa valeur au compte rendu",
    "Nous avons mis deux ans à convaincre, mais l’équipe ne reviendrait plus en arrière",
    "Le vrai sujet, c’est le temps médical disponible, pas la technologie",
    "Une machine de plus ne sert à rien si personne ne peut la faire tourner le soir",
    "Les jeunes radiologues veulent comprendre les outils, pas seulement les utiliser",
)

# --- Templates ----------------------------------------------------------------------

# Sentences whose words come mostly from the lists: any body may use any of them.
SENTENCES: tuple[str, ...] = (
    "{Actors} constatent depuis plusieurs mois une hausse régulière de la demande {of_exam}.",
    "Dans {facility} {of_city}, {actors} ont revu l’organisation des vacations pour mieux "
    "maîtriser {issue}.",
    "Selon une enquête conduite auprès de {n} radiologues, {pct} des répondants placent la "
    "question {de_issue} en tête de leurs préoccupations.",
    "{Subject} reste au cœur des échanges entre {actors} et {institution}.",
    "Le sujet n’est pas nouveau, mais il prend une autre dimension avec l’arrivée {de_tool}.",
    "En {year}, {institution} avait déjà publié des recommandations sur {issue}, restées "
    "largement méconnues.",
    "{Actors} rappellent que la pertinence de chaque examen doit rester le premier critère.",
    "Le recours {a_modality} a progressé de {pct} en cinq ans, sans que les effectifs suivent.",
    "À {city}, le délai moyen pour obtenir un rendez-vous {of_modality} dépasse désormais "
    "{n_small} semaines.",
    "Les équipes ont choisi de s’appuyer sur {tool}, d’abord en phase de test sur {n} patients.",
    "Les premiers résultats montrent une réduction de {pct} du temps d’interprétation.",
    "{Institution} devrait rendre ses conclusions d’ici à la fin de l’année.",
    "Pour {actors}, l’enjeu est autant organisationnel que technique.",
    "La question {de_subject} se pose avec une acuité particulière {region}.",
    "Plusieurs établissements {region} ont mutualisé leurs équipements au sein d’un "
    "groupement hospitalier de territoire.",
    "{Ars} a autorisé l’installation de {n_small} nouveaux appareils {of_modality} en deux ans.",
    "{Tool} ne remplace pas le radiologue : l’outil trie, signale et propose, mais la "
    "décision reste médicale.",
    "Le coût d’un appareil {of_modality} ne se limite pas à son achat : maintenance, locaux "
    "et personnel pèsent lourd.",
    "{Actors} plaident pour une meilleure coordination avec {actors2}.",
    "Dans les services d’urgence, les {exam} représentent une part croissante de l’activité "
    "de nuit.",
    "{Modality} occupe une place croissante dans la prise en charge {de_disease}.",
    "Le parc français d’appareils {of_modality} reste inférieur à la moyenne européenne, "
    "rapporté au nombre d’habitants.",
    "À moyen terme, {issue} pourrait peser davantage que la technique elle-même.",
    "Le calendrier reste serré : les premiers déploiements sont attendus d’ici {months} mois.",
    "Une étude multicentrique portant sur {n_big} examens est en cours pour évaluer ces bénéfices.",
    "Le nombre de radiologues en activité progresse peu, alors que la demande d’examens "
    "augmente de {pct_small} par an.",
    "Le projet a reçu le soutien {de_institution} et d’un industriel de la région.",
    "{Institution} a ouvert une consultation publique sur {issue}.",
    "{Actors} demandent que les gains de temps soient réinvestis dans la relation avec le patient.",
    "En {year}, plus de {n_big} examens {of_modality} ont été réalisés chaque jour en France.",
    "Au CHU {of_city}, les équipes utilisent {tool} depuis {months} mois pour les {exam}.",
    "Entre {year} et aujourd’hui, le nombre d’examens {of_modality} a augmenté de {pct}.",
    "{Facility} {of_city} a ainsi réduit de {pct} ses délais de rendez-vous.",
    "Pour {institution}, {subject} doit désormais figurer parmi les priorités régionales.",
    "{Region}, l’offre {of_modality} reste très inégale d’un territoire à l’autre.",
    "Selon {actors}, la charge de travail a nettement augmenté en {n_small} ans.",
    "Le temps d’un examen {of_modality} a été ramené à {minutes} minutes dans certains centres.",
    "{Institution} estime que {pct} des examens {of_modality} pourraient être évités.",
    "À {city}, {facility} a recruté {n_small} manipulateurs supplémentaires pour ouvrir des "
    "créneaux le soir.",
    "Les discussions avec {ars} portent sur {issue} et sur le renouvellement des autorisations.",
    "{Actors} réclament des moyens pour {issue}.",
    "La prise en charge {de_disease} illustre bien ces enjeux.",
    "Le sujet figurera à l’ordre du jour du prochain congrès, à {city}.",
    "Dans {facility} {of_city}, la file active a doublé en {n_small} ans.",
    "{Subject} fait d’ailleurs l’objet d’un groupe de travail national depuis {year}.",
    "Pour les patients suivis pour {disease}, l’enjeu est d’abord la qualité du suivi.",
    "{Actors} y voient une occasion de repenser le partage des tâches avec {actors2}.",
    "Le dossier reste suivi de près par {institution}.",
    "Sur le terrain, la réalité est plus nuancée que ne le laissent penser les annonces.",
    "Rien ne garantit toutefois que ces résultats se confirment à plus grande échelle.",
    "Les premiers retours des équipes sont encourageants, même si des ajustements restent "
    "nécessaires.",
    "Cette évolution oblige à repenser la place du radiologue dans le parcours de soins.",
    "Les patients, eux, attendent surtout un accès plus rapide aux examens et des résultats "
    "mieux expliqués.",
    "L’enquête montre aussi de fortes différences entre les régions, au détriment des zones "
    "rurales.",
    "Plusieurs pistes sont à l’étude, sans calendrier arrêté à ce stade.",
    "Les chiffres varient fortement d’un établissement à l’autre.",
)

# Sentences on one theme each: a body draws from two themes only, so that a search for
# their words finds some articles and not others.
THEMES = {
    "intelligence artificielle": (
        "La formation des internes intègre désormais un module consacré à l’intelligence "
        "artificielle.",
        "Les industriels promettent des gains de productivité, mais les preuves cliniques "
        "restent parfois minces.",
        "La question de la responsabilité en cas d’erreur d’un algorithme n’est pas encore "
        "tranchée.",
        "Les données de santé utilisées pour entraîner les algorithmes doivent être confiées à "
        "un hébergeur certifié.",
        "{Institution} insiste sur la traçabilité des décisions prises avec l’aide d’un "
        "algorithme.",
        "Un algorithme bien entraîné repère des anomalies discrètes, mais il se trompe aussi sur "
        "des images atypiques.",
        "L’apprentissage profond a d’abord convaincu en mammographie et en radiographie du thorax.",
        "Les modèles génératifs commencent à rédiger des brouillons de comptes rendus, relus "
        "par le radiologue.",
    ),
    "radioprotection": (
        "La dose délivrée au patient fait l’objet d’un suivi systématique, examen par examen.",
        "La radioprotection des travailleurs impose un suivi dosimétrique de chaque "
        "professionnel exposé.",
        "Les protocoles ont été optimisés pour limiter l’exposition des enfants, plus sensibles "
        "aux rayonnements.",
        "Les niveaux de référence diagnostiques servent de repère pour comparer les pratiques "
        "entre services.",
        "Le physicien médical valide chaque nouveau protocole avant sa mise en service.",
        "Le scanner reste de loin la première source d’exposition médicale aux rayonnements "
        "ionisants.",
    ),
    "téléradiologie": (
        "La téléradiologie permet de maintenir une permanence des soins là où les radiologues "
        "manquent, à condition de garantir la qualité de l’interprétation.",
        "Le modèle économique de la téléradiologie reste fragile pour les petits établissements.",
        "Les images sont désormais partagées au sein d’un réseau régional, ce qui évite de "
        "répéter des examens.",
        "Une charte encadre les relations entre radiologues de garde à distance et "
        "manipulateurs sur place.",
        "La nuit, un seul radiologue interprète à distance les examens de plusieurs hôpitaux.",
    ),
    "dépistage": (
        "Le dépistage organisé du cancer du sein repose toujours sur une double lecture des "
        "mammographies.",
        "Le scanner à faible dose pourrait devenir l’outil d’un dépistage du cancer du poumon "
        "chez les gros fumeurs.",
        "L’imagerie de la femme, de la mammographie à l’IRM pelvienne, mobilise des compétences "
        "spécifiques.",
        "Le taux de participation au dépistage reste inférieur aux objectifs européens.",
        "Les femmes à haut risque relèvent d’un suivi spécifique, qui associe souvent IRM et "
        "mammographie.",
    ),
    "économie": (
        "Le financement repose largement sur le forfait technique, dont la baisse inquiète les "
        "cabinets libéraux.",
        "Le tarif des actes est fixé par la classification commune des actes médicaux (CCAM).",
        "Les groupes d’imagerie libéraux se regroupent pour négocier leurs achats et partager "
        "leurs outils informatiques.",
        "L’arrivée de fonds d’investissement dans le capital de certains cabinets suscite des "
        "débats au sein de la profession.",
        "{Actors} redoutent une financiarisation qui ferait passer la rentabilité avant la "
        "pertinence.",
        "Les autorisations d’équipements matériels lourds sont délivrées par {ars} selon un "
        "calendrier fixé à l’avance.",
    ),
    "organisation": (
        "Les manipulateurs en électroradiologie médicale jouent un rôle central dans la qualité "
        "des acquisitions.",
        "Le recrutement de manipulateurs reste difficile, notamment la nuit et le week-end.",
        "Les délais de transmission des comptes rendus aux médecins traitants ont été réduits "
        "de moitié.",
        "Les médecins demandeurs reçoivent désormais un avis sur la pertinence de leur demande "
        "avant la prise de rendez-vous.",
        "Les plannings sont construits plusieurs semaines à l’avance pour absorber les absences.",
    ),
    "systèmes d’information": (
        "Chaque examen est archivé dans le PACS, ce qui permet de comparer les images avec les "
        "examens antérieurs.",
        "La cybersécurité des systèmes d’imagerie est devenue un enjeu majeur depuis plusieurs "
        "attaques contre des hôpitaux.",
        "L’interopérabilité entre le RIS, le PACS et le dossier patient demeure un point faible "
        "de nombreux établissements.",
        "Le portail patient permet désormais de consulter ses images et son compte rendu depuis "
        "un smartphone.",
        "Le compte rendu structuré facilite l’échange avec les cliniciens et l’exploitation des "
        "données.",
    ),
    "interventionnelle": (
        "Les radiologues interventionnels réalisent des gestes guidés par l’image, de la "
        "biopsie à l’embolisation.",
        "L’échographie au lit du patient se diffuse chez les urgentistes et les médecins "
        "généralistes.",
        "L’injection de produit de contraste impose de vérifier la fonction rénale et les "
        "antécédents d’allergie.",
        "La thrombectomie a transformé la prise en charge de l’AVC, à condition d’un accès "
        "rapide à l’imagerie.",
        "Les salles hybrides associent bloc opératoire et imagerie de pointe.",
    ),
    "environnement": (
        "La consommation d’hélium des IRM et l’empreinte carbone des examens entrent désormais "
        "dans les choix d’équipement.",
        "Éteindre les appareils la nuit permet déjà des économies d’énergie sensibles.",
        "Les fabricants proposent des IRM qui consomment beaucoup moins d’hélium.",
        "Les déchets des produits de contraste font l’objet de nouvelles filières de récupération.",
    ),
}

INTRODUCTIONS: tuple[str, ...] = (
    "{Subject} s’impose comme l’un des sujets de l’année pour {actors}.",
    "Depuis quelques années, {subject} occupe une place croissante dans le débat sur "
    "l’imagerie médicale.",
    "Peu de sujets divisent autant {actors} que {subject}.",
    "À {city} comme ailleurs, {subject} transforme le quotidien des services d’imagerie.",
    "{Subject} ne fait pas la une des journaux, mais le sujet concerne chaque jour des "
    "milliers de patients.",
)

HEADINGS: tuple[str, ...] = (
    "Un besoin qui ne cesse de croître",
    "Des organisations à repenser",
    "Ce que disent les chiffres",
    "Les limites de l’exercice",
    "Un cadre réglementaire en mouvement",
    "La question du financement",
    "Des équipes sous tension",
    "Les patients au centre",
    "Ce qui change pour les radiologues",
    "Une technologie encore à évaluer",
    "Des disparités territoriales",
    "Les premiers retours du terrain",
    "Vers de nouveaux métiers",
    "Sécurité et traçabilité",
    "{Subject} en première ligne",
    "Le rôle {de_institution}",
    "Et demain ?",
    "Des investissements lourds",
    "Former et recruter",
    "Ce qui reste à faire",
)

QUOTE_PARAGRAPHS: tuple[str, ...] = (
    "« {quote} », explique {person}.",
    "« {quote} », résume {person}.",
    "« {quote} », souligne {person}.",
    "« {quote} », estime {person}.",
)

LIST_INTRODUCTIONS: tuple[str, ...] = (
    "Les principales pistes évoquées :",
    "Parmi les mesures proposées :",
    "Ce que prévoit le plan :",
)

LIST_ITEMS = (
    "mutualiser les équipements entre établissements",
    "développer la téléradiologie pour la permanence des soins",
    "généraliser le compte rendu structuré",
    "former les manipulateurs aux nouveaux protocoles",
    "évaluer chaque outil d’intelligence artificielle en conditions réelles",
    "revoir la cotation des actes les plus longs",
    "renforcer la cybersécurité des systèmes d’information",
    "mieux informer les patients sur la dose délivrée",
    "associer les médecins traitants à la pertinence des demandes",
    "réduire l’empreinte carbone des examens",
    "ouvrir des plages de rendez-vous {of_modality} le samedi",
)

NOTES = (
    "{Institution}, rapport sur {issue}, {year}.",
    "Enquête auprès de {n} radiologues, {year}.",
    "Journal d’imagerie diagnostique et interventionnelle, {year}.",
    "Recommandations de bonne pratique sur {issue}, {year}.",
    "Données d’activité {de_ars}, {year}.",
    "Étude multicentrique portant sur {n_big} examens {of_modality}, {year}.",
    "Compte rendu des Journées francophones de radiologie, {year}.",
    "Communiqué {de_institution}, {year}.",
)

TITLES: tuple[str, ...] = (
    "{Subject} : ce qui change pour {actors}",
    "{Subject} : {actors} face à de nouveaux défis",
    "Comment {facility} {of_city} a repensé {subject}",
    "{Modality} : les délais s’allongent {region}",
    "Intelligence artificielle : {n_small} questions sur {tool}",
    "Téléradiologie : un modèle qui s’installe {region}",
    "{Institution} se penche sur {subject}",
    "Dépistage : la place {de_modality} en débat",
    "{Actors} et {subject} : le grand écart",
    "Radioprotection : où en est le suivi de la dose ?",
    "Équipements lourds : {ars} ouvre de nouvelles autorisations",
    "{Subject}, un enjeu sous-estimé",
    "Ce que {tool} change dans la pratique quotidienne",
    "À {city}, {actors} misent sur {tool}",
    "{Subject} : les leçons d’une expérience {region}",
    "Imagerie en ville : {subject} au cœur des négociations",
    "{Modality} : la France rattrape-t-elle son retard ?",
    "Pourquoi {subject} inquiète {actors}",
    "{Subject} : l’état des lieux",
    "Au CHU {of_city}, {modality} réinvente le parcours patient",
)

STANDFIRSTS: tuple[str, ...] = (
    "{Actors} s’interrogent sur {subject}. Enquête dans plusieurs établissements {region}.",
    "Entre contraintes budgétaires et promesses technologiques, {subject} illustre les "
    "mutations de l’imagerie médicale. Nous avons interrogé les équipes {of_city}.",
    "{Institution} vient de publier un rapport attendu. Ce qu’il faut en retenir pour {actors}.",
    "Depuis {months} mois, {facility} {of_city} teste {tool}. Premier bilan, avec ses succès "
    "et ses limites.",
    "Le sujet revient à chaque négociation conventionnelle. Décryptage des enjeux "
    "{de_subject} pour la profession.",
    "Les chiffres publiés par {institution} dessinent un paysage contrasté. Analyse.",
    "{Subject} mobilise {actors} comme {actors2}. Tour d’horizon des initiatives qui fonctionnent.",
    "Une étude portant sur {n_big} examens relance le débat sur {subject}.",
    "Comment concilier qualité des soins et maîtrise des coûts ? Exemple {region}, où "
    "{actors} ont changé leurs pratiques.",
)

BRIEFS: tuple[str, ...] = (
    "{Ars} autorise l’installation d’un nouvel appareil {of_modality} à {city}.",
    "{Institution} publie un guide consacré {a_issue}, à destination {de_actors}.",
    "Un centre hospitalier {of_city} met en service {tool} pour ses urgences.",
    "Une étude portant sur {n_big} {exam} conclut à une réduction de {pct} des délais "
    "d’interprétation grâce à {tool}.",
    "Les radiologues libéraux {region} dénoncent la baisse du forfait technique annoncée "
    "pour l’an prochain.",
    "{Actors} sont appelés à participer à une enquête nationale sur {issue}.",
    "Une start-up {region} obtient le marquage CE pour {tool}.",
    "Le congrès annuel de radiologie consacre une session entière {a_issue}.",
    "{pct} des établissements interrogés déclarent avoir subi une tentative de "
    "cyberattaque visant leur PACS.",
    "{Institution} rappelle les règles de radioprotection applicables aux blocs opératoires.",
    "Un appel à projets doté de {n_small} millions d’euros soutiendra la téléradiologie {region}.",
    "Le délai moyen d’accès {a_modality} atteint {n_small} semaines {region}, selon des "
    "données régionales.",
    "Les manipulateurs {region} se mobilisent contre le manque d’effectifs la nuit.",
    "Le dépistage organisé du cancer du sein atteint un taux de participation de {pct} en "
    "{year}, selon les chiffres présentés à {city}.",
    "Une IRM à bas champ installée à {city} permet de réaliser des examens au plus près des "
    "patients.",
)

BRIEF_LINKS = (" Notre article fait le point.", " Lire notre enquête.", " Nos explications.")

COMMENTS: tuple[str, ...] = (
    "Merci pour cet article très complet. Dans notre service, nous observons exactement la "
    "même chose.",
    "Article intéressant, mais il manque le point de vue des manipulateurs, qui vivent ces "
    "changements au quotidien.",
    "À {city}, nous avons tenté une organisation proche : les débuts ont été difficiles, les "
    "résultats sont là.",
    "La question {de_issue} mériterait un dossier à elle seule.",
    "Je ne partage pas l’optimisme de l’article sur {tool} : les validations restent trop "
    "limitées.",
    "Très juste sur la pénurie de radiologues {region}. Les délais pour une IRM sont devenus "
    "intenables.",
    "Pourriez-vous publier les références de l’étude citée ? Merci.",
    "Bon résumé. Reste la question du financement, toujours renvoyée à plus tard.",
    "En tant qu’interne, je trouve ces retours d’expérience précieux pour choisir mon futur "
    "mode d’exercice.",
    "Les patients ne mesurent pas toujours l’enjeu de la dose. Merci de rappeler ces repères.",
    "Enfin un article qui parle d’organisation plutôt que de la seule technologie !",
    "Nous utilisons {tool} depuis un an : gain de temps réel sur les examens normaux, "
    "beaucoup moins sur les cas difficiles.",
)

# --- Filling templates --------------------------------------------------------------

_VOWELS = frozenset("aeiouyhàâäéèêëîïôöûüAEIOUYHÀÂÉÈÊÎÔÛ")
_ARTICLES = ("le ", "la ", "les ", "l’", "un ", "une ")


def de_form(phrase: str) -> str:
    """ "le scanner" → "du scanner", "les radiologues" → "des radiologues",
    "un CHU" → "d’un CHU", "la HAS" → "de la HAS"."""
    if phrase.startswith("le "):
        return "du " + phrase[3:]
    if phrase.startswith("les "):
        return "des " + phrase[4:]
    return ("d’" if phrase[0] in _VOWELS else "de ") + phrase


def a_form(phrase: str) -> str:
    """ "le scanner" → "au scanner", "les urgences" → "aux urgences", "l’IRM" → "à l’IRM"."""
    if phrase.startswith("le "):
        return "au " + phrase[3:]
    if phrase.startswith("les "):
        return "aux " + phrase[4:]
    return "à " + phrase


def bare(phrase: str) -> str:
    """The noun without its article: "l’IRM" → "IRM", "une clinique" → "clinique"."""
    for article in _ARTICLES:
        if phrase.startswith(article):
            return phrase[len(article) :]
    return phrase


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


_FORMS: dict[str, Callable[[str], str]] = {
    "de": de_form,
    "a": a_form,
    "of": lambda phrase: de_form(bare(phrase)),
}


def _person(rng: random.Random) -> str:
    if rng.random() < 0.5:
        first, roles = rng.choice(FIRST_NAMES_F), ROLES_F
    else:
        first, roles = rng.choice(FIRST_NAMES_M), ROLES_M
    city = rng.choice(CITIES)
    role = rng.choice(roles).format(city=city, of_city=de_form(city), region=rng.choice(REGIONS)[1])
    return f"{first} {rng.choice(LAST_NAMES)}, {role}"


_PICKS: dict[str, Callable[[random.Random], str]] = {
    "modality": lambda rng: rng.choice(MODALITIES),
    "issue": lambda rng: rng.choice(ISSUES),
    "actors": lambda rng: rng.choice(ACTORS),
    "institution": lambda rng: rng.choice(INSTITUTIONS),
    "region": lambda rng: rng.choice(REGIONS)[1],
    "ars": lambda rng: "l’ARS " + rng.choice(REGIONS)[0],
    "facility": lambda rng: rng.choice(FACILITIES),
    "tool": lambda rng: rng.choice(TOOLS),
    "exam": lambda rng: rng.choice(EXAMS),
    "disease": lambda rng: rng.choice(DISEASES),
    "city": lambda rng: rng.choice(CITIES),
    "quote": lambda rng: rng.choice(QUOTES),
    "person": _person,
    "pct": lambda rng: f"{rng.randint(5, 95)}{NBSP}%",
    "pct_small": lambda rng: f"{rng.randint(2, 12)}{NBSP}%",
    "n": lambda rng: str(rng.randint(30, 900)),
    "n_small": lambda rng: str(rng.randint(2, 12)),
    "n_big": lambda rng: thousands(rng.randrange(1_000, 60_000, 100)),
    "months": lambda rng: str(rng.randint(3, 24)),
    "minutes": lambda rng: str(rng.randint(8, 45)),
    "year": lambda rng: str(rng.randint(2012, 2025)),
}


class _Fill(dict):
    """The values of one template's fields, picked on first use (see the module docstring)."""

    def __init__(self, rng: random.Random, subject: str) -> None:
        super().__init__()
        self._rng = rng
        self._picked: dict[str, str] = {"subject": subject}

    def __missing__(self, key: str) -> str:
        name = key[:1].lower() + key[1:]
        form, _, rest = name.partition("_")
        if rest and form in _FORMS:
            name = rest
        else:
            form = ""
        if name not in self._picked:
            self._picked[name] = _PICKS[name.rstrip("0123456789")](self._rng)
        value = self._picked[name]
        if form:
            value = _FORMS[form](value)
        if key[:1].isupper():
            value = capital(value)
        self[key] = value
        return value


def fill(template: str, rng: random.Random, *, subject: str = "l’imagerie médicale") -> str:
    return template.format_map(_Fill(rng, subject))


def _typeset(templates: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(typography(template) for template in templates)


# Applied once to the templates: picked words hold no punctuation to typeset.
SENTENCES = _typeset(SENTENCES)
THEMES = {name: _typeset(sentences) for name, sentences in THEMES.items()}
INTRODUCTIONS = _typeset(INTRODUCTIONS)
HEADINGS = _typeset(HEADINGS)
QUOTES = _typeset(QUOTES)
QUOTE_PARAGRAPHS = _typeset(QUOTE_PARAGRAPHS)
LIST_INTRODUCTIONS = _typeset(LIST_INTRODUCTIONS)
TITLES = _typeset(TITLES)
STANDFIRSTS = _typeset(STANDFIRSTS)
BRIEFS = _typeset(BRIEFS)
COMMENTS = _typeset(COMMENTS)

# --- What the generator asks for ----------------------------------------------------

SUBJECTS = MODALITIES + ISSUES


@dataclass(frozen=True)
class BodyText:
    """A Markdown body, the notes its calls [1], [2]… refer to, and what it is about."""

    subject: str
    markdown: str
    notes: tuple[tuple[str, str], ...]  # (text, url), in call order


def body(rng: random.Random, *, target_chars: int = 4600) -> BodyText:
    """About ``target_chars`` of Markdown: an introduction, then sections under ``## ``
    headings, with a quote or a list here and there and 2 to 5 footnote calls."""
    subject = rng.choice(SUBJECTS)
    sentences = list(SENTENCES)
    rng.shuffle(sentences)
    main, second = rng.sample(sorted(THEMES), 2)
    themed = [*THEMES[main], *rng.sample(THEMES[second], len(THEMES[second]) // 2)]
    rng.shuffle(themed)
    headings = list(HEADINGS)
    rng.shuffle(headings)
    quotes = list(QUOTE_PARAGRAPHS)

    def sentence() -> str:
        if themed and rng.random() < 0.3:
            return fill(themed.pop(), rng, subject=subject)
        if not sentences:
            sentences.extend(SENTENCES)
            rng.shuffle(sentences)
        return fill(sentences.pop(), rng, subject=subject)

    # Blocks are lists of sentences (a paragraph) or finished strings (heading, quote, list).
    intro = [fill(rng.choice(INTRODUCTIONS), rng, subject=subject)]
    blocks: list[list[str] | str] = [intro + [sentence() for _ in range(rng.randint(2, 3))]]
    size = sum(len(s) for s in blocks[0])
    while size < target_chars:
        heading = "## " + fill(headings.pop(), rng, subject=subject)
        blocks.append(heading)
        for _ in range(rng.randint(2, 3)):
            roll = rng.random()
            if roll < 0.15:
                block: list[str] | str = fill(rng.choice(quotes), rng, subject=subject)
            elif roll < 0.22:
                items = rng.sample(LIST_ITEMS, rng.randint(3, 4))
                lines = [f"- {fill(item, rng)}{NBSP};" for item in items]
                lines[-1] = lines[-1][:-2] + "."
                block = "\n".join([rng.choice(LIST_INTRODUCTIONS), "", *lines])
            else:
                block = [sentence() for _ in range(rng.randint(3, 5))]
            blocks.append(block)
            size += len(block) if isinstance(block, str) else sum(len(s) + 1 for s in block)
        size += len(heading)

    # Footnote calls go at the end of sentences, numbered in reading order.
    places = [
        (b, s)
        for b, block in enumerate(blocks)
        if isinstance(block, list)
        for s in range(len(block))
    ]
    calls = sorted(rng.sample(places, min(len(places), rng.randint(2, 5))))
    notes = []
    for number, (b, s) in enumerate(calls, start=1):
        paragraph = blocks[b]
        assert isinstance(paragraph, list)
        paragraph[s] = f"{paragraph[s][:-1]}[{number}]{paragraph[s][-1]}"
        text = fill(rng.choice(NOTES), rng)
        url = (
            f"https://example.org/sources/{slugify(text)[:60].rstrip('-')}"
            if rng.random() < 0.5
            else ""
        )
        notes.append((text, url))

    markdown = "\n\n".join(block if isinstance(block, str) else " ".join(block) for block in blocks)
    return BodyText(subject=subject, markdown=markdown, notes=tuple(notes))


def title(rng: random.Random, *, subject: str) -> str:
    return fill(rng.choice(TITLES), rng, subject=subject)


def standfirst(rng: random.Random, *, subject: str) -> str:
    return fill(rng.choice(STANDFIRSTS), rng, subject=subject)


def brief(rng: random.Random, *, linked: bool = False) -> str:
    text = fill(rng.choice(BRIEFS), rng)
    return text + rng.choice(BRIEF_LINKS) if linked else text


def comment(rng: random.Random) -> str:
    picks = rng.sample(COMMENTS, rng.choice((1, 1, 2)))
    return " ".join(fill(template, rng) for template in picks)


def person_name(rng: random.Random) -> tuple[str, str]:
    first = rng.choice(FIRST_NAMES_F if rng.random() < 0.5 else FIRST_NAMES_M)
    return first, rng.choice(LAST_NAMES)
