import { text, type Text } from './i18n.ts';
import { both } from './sections/common.ts';
import { BASIN_RAIN_DEPARTEMENTS } from '../domain/heat/basin-rain-stations.ts';
import { METROPOLE_DEPARTEMENTS } from '../domain/heat/thresholds.ts';

// The public wording of what the data and the models name with keys: forecast methods and baselines,
// models, evaluation targets, river sections, sensors' descriptions. Pages never show a key: an
// unknown one gets a generic wording (and the crawl test, tests/web/site-words.test.ts, names pages
// that would show one).

/** how a forecast was made: the model or one of the baselines (functions/lib/models/) */
const METHODS: Readonly<Record<string, Text>> = {
  model: text('réseau de neurones', 'neural network'),
  mlp: text('réseau de neurones', 'neural network'),
  nn: text('réseau de neurones', 'neural network'),
  forecast_tntx: text('prévision météo des températures minimale et maximale, corrigée sur la station', 'weather forecast of the minimum and maximum temperatures, corrected at the station'),
  same_hour_last_week: text('même heure la semaine précédente', 'same hour last week'),
  hour_of_week_mean: text('moyenne par heure de la semaine', 'hour-of-week mean'),
  day_type_hour_profile: text('profil par type de jour et par heure', 'day-type × hour profile'),
  profile_decaying_anomaly: text('profil et écart récent qui s’estompe', 'profile plus a fading recent anomaly'),
  persistence: text('persistance (demain comme aujourd’hui)', 'persistence (tomorrow like today)'),
  trend: text('tendance du dernier jour prolongée', 'last day’s trend extended'),
  linear: text('régression linéaire', 'linear regression'),
  climatology: text('climatologie (fréquence saisonnière)', 'climatology (seasonal frequency)'),
  markov_climatology: text('climatologie conditionnelle (selon l’état du jour)', 'conditional climatology (given today’s state)'),
  none: text('sans prévision', 'no forecast'),
};

const INDEX_PARTS: Readonly<Record<string, Text>> = { heat: text('chaleur', 'heat'), flood: text('crue', 'flood') };

/** a forecast method or baseline: « moyenne par heure de la semaine », never hour_of_week_mean */
export function methodLabel(key: string | null | undefined): Text {
  if (!key) return text('méthode de l’observatoire', 'observatory method');
  const known = METHODS[key];
  if (known) return known;
  // a composite index: index(heat=none,flood=persistence)
  const index = /^index\((.*)\)$/.exec(key);
  if (index) {
    const parts = (index[1] ?? '').split(',').map((p) => p.split('=') as [string, string | undefined]);
    return both((l) => {
      const list = parts.map(([k, v]) => `${INDEX_PARTS[k]?.[l] ?? (l === 'fr' ? 'composante' : 'component')}${l === 'fr' ? ' : ' : ': '}${methodLabel(v ?? null)[l]}`);
      return l === 'fr' ? `indice composite (${list.join(' ; ')})` : `composite index (${list.join('; ')})`;
    });
  }
  return text('méthode de référence', 'baseline method');
}

/** what each model forecasts */
const MODELS: Readonly<Record<string, Text>> = {
  noise: text('Bruit (réseau de capteurs)', 'Noise (sensor network)'),
  river: text('Crue (hauteur de la Seine)', 'Flood (Seine stage)'),
  heat: text('Canicule', 'Heat wave'),
  'climate-risk': text('Indice de risque climatique', 'Climate-risk index'),
};

/** a model's public name */
export function modelLabel(key: string): Text {
  return MODELS[key] ?? text('Modèle de l’observatoire', 'Observatory model');
}

const VARIABLES: Readonly<Record<string, Text>> = {
  laeq: text('LAeq horaire', 'Hourly LAeq'),
  lnight_eu: text('Lnight (périodes européennes)', 'Lnight (EU periods)'),
  ln_fr: text('Ln (périodes françaises)', 'Ln (French periods)'),
  lden: text('Lden', 'Lden'),
  flow: text('Débit', 'Discharge'),
  level: text('Hauteur d’eau', 'River stage'),
  heatwave: text('Canicule', 'Heat wave'),
  climate_risk_index: text('Indice de risque climatique', 'Climate-risk index'),
  exposed_population: text('Population exposée', 'Exposed population'),
  river_proximity: text('Proximité d’un cours d’eau', 'Closeness to a river'),
};

export function variableLabel(key: string): Text {
  return VARIABLES[key] ?? text('grandeur prévue', 'forecast quantity');
}

const THRESHOLDS: Readonly<Record<string, Text>> = {
  who_lnight: text('recommandation OMS', 'WHO guideline'),
  fr_ln: text('valeur limite française', 'French limit value'),
  heatwave_ibm: text('seuils d’alerte canicule', 'heat-wave alert thresholds'),
  flood_threshold: text('seuil de crue', 'flood threshold'),
};

export function thresholdLabel(key: string | null): Text {
  if (!key) return text('', '');
  return THRESHOLDS[key] ?? text('seuil', 'threshold');
}

// the descriptions of the sensors' sites, as the networks (and the demo simulator) write them in names
// « <network id> — <description> »
const SENSOR_SITES: Readonly<Record<string, Text>> = {
  park: text('parc', 'park'),
  'residential street': text('rue résidentielle', 'residential street'),
  boulevard: text('boulevard', 'boulevard'),
  'boulevard périphérique': text('boulevard périphérique', 'Paris ring road (boulevard périphérique)'),
  'railway line': text('voie ferrée', 'railway line'),
  'industrial zone': text('zone industrielle', 'industrial zone'),
};

/** a sensor's name with its site described in the reader's language (the id part is kept as is) */
export function sensorName(name: string): Text {
  const m = /^(.*) — (.+)$/.exec(name);
  if (!m) return text(name, name);
  const [, id, site] = m as unknown as [string, string, string];
  const known = SENSOR_SITES[site];
  if (known) return both((l) => `${id} — ${known[l]}`);
  const flight = /^(.+) flight path$/.exec(site);
  if (flight) return text(`${id} — couloir aérien de ${flight[1]}`, `${id} — ${flight[1]} flight path`);
  return text(name, name);
}

// the Vigicrues sections of config/vigicrues-sections.json, by code: the config's labels are English
// keyed by the Vigicrues section codes of config/vigicrues-sections.json (French: the referential's label)
const SECTIONS: Readonly<Record<string, Text>> = {
  IF3: text(
    'Seine moyenne — de la confluence de l’Orge (Viry-Châtillon) à la confluence de la Marne (Alfortville / Ivry-sur-Seine)',
    'Middle Seine — from the Orge confluence (Viry-Châtillon) to the Marne confluence (Alfortville / Ivry-sur-Seine)',
  ),
  IF5: text(
    'Seine à Paris — de la confluence de la Marne à Rueil-Malmaison, par Paris (station : Paris-Austerlitz)',
    'Seine at Paris — from the Marne confluence through Paris (gauge: Paris-Austerlitz) to Rueil-Malmaison',
  ),
  IF17: text(
    'Marne de Condé à Charenton — de Noisy-le-Grand / Gournay-sur-Marne à la confluence avec la Seine',
    'Marne from Condé to Charenton — from Noisy-le-Grand / Gournay-sur-Marne to the Seine confluence',
  ),
};

/** a river section by its code: the public label, or the label the bulletin gave (French, from Vigicrues) */
export function sectionLabel(code: string, bulletinLabel: string | null): Text {
  return SECTIONS[code] ?? (bulletinLabel ? text(bulletinLabel, bulletinLabel) : text(`tronçon ${code}`, `section ${code}`));
}

// the published datasets' titles and descriptions in French (the declarations are written in English)
export const DATASETS_FR: Readonly<Record<string, { readonly title: string; readonly description: string }>> = {
  noise_readings: { title: 'Mesures de bruit', description: 'Mesures acoustiques validées, une ligne par capteur et par intervalle de mesure.' },
  sensors: { title: 'Capteurs de bruit', description: 'Une ligne par capteur de bruit vu dans les mesures, avec sa position, sa commune et, à Paris, son arrondissement.' },
  communes: { title: 'Communes de la Métropole du Grand Paris', description: 'Les 130 communes membres (COG 2026), avec leur département, leur établissement public territorial (EPT) et leur population.' },
  noise_indicators_daily: {
    title: 'Indicateurs de bruit journaliers par capteur',
    description: 'Par capteur, jour (heure de Paris) et convention de périodes : niveaux moyens énergétiques, Lden, niveaux statistiques et couverture. Les dépassements comparent une seule journée à des valeurs limites annuelles : ils sont indicatifs.',
  },
  noise_indicators_commune_daily: { title: 'Indicateurs de bruit journaliers par commune', description: 'Par commune et par jour : moyenne énergétique des capteurs de la commune dont la journée atteint le seuil de couverture.' },
  noise_indicators_arrondissement_daily: {
    title: 'Indicateurs de bruit journaliers par arrondissement de Paris',
    description: 'Par arrondissement de Paris et par jour : moyenne énergétique des capteurs de l’arrondissement dont la journée atteint le seuil de couverture (la même règle que pour les communes).',
  },
  noise_indicators_hourly: { title: 'Niveaux de bruit horaires par capteur', description: 'Par capteur et par heure (UTC) : LAeq moyen énergétique, l’entrée des modèles de bruit.' },
  noise_indicators_yearly: { title: 'Indicateurs de bruit annuels par capteur (indicateurs réglementaires)', description: 'Par capteur, année civile et convention : Lden et Ln sur l’année, les indicateurs auxquels s’appliquent les valeurs limites.' },
  river_observations: {
    title: 'Observations des cours d’eau (Hub’Eau hydrométrie)',
    description: 'Hauteurs d’eau (H) et débits (Q) en temps réel des stations hydrométriques autour de la Métropole, une ligne par série et par instant d’observation, convertis une fois des unités de Hub’Eau (H mm → m, Q l/s → m³/s).',
  },
  river_stations: { title: 'Stations hydrométriques (référentiel Hub’Eau)', description: 'Les fiches du référentiel Hub’Eau des stations hydrométriques que l’observatoire interroge.' },
  flood_vigilance: { title: 'Vigilance crues par tronçon (Vigicrues)', description: 'Niveau de vigilance crues de chaque tronçon de cours d’eau, par bulletin, tel que publié par Vigicrues (toute la liste nationale).' },
  flood_indicators_daily: {
    title: 'Indicateurs de crue journaliers par station',
    description: 'Par série (station, ou série du site) et par jour (heure de Paris) : la hauteur et le débit les plus élevés et, pour la station de Paris-Austerlitz, le rapport à la crue de 1910 et la place parmi les crues de référence.',
  },
  flood_vigilance_commune_daily: {
    title: 'Vigilance crues journalière par commune',
    description: 'Par commune concernée par un tronçon Vigicrues et par jour : le niveau de vigilance le plus élevé en vigueur ce jour-là sur ses tronçons.',
  },
  weather_daily: {
    title: 'Météo journalière par station (Météo-France)',
    description: `Valeurs climatologiques journalières des stations Météo-France des départements de la Métropole (${METROPOLE_DEPARTEMENTS.join(', ')} ; les indicateurs de chaleur) et des départements des stations de pluie du bassin en amont de Paris (${BASIN_RAIN_DEPARTEMENTS.join(', ')} ; le modèle de la Seine) : précipitations et températures avec leurs codes qualité. Les valeurs douteuses sont gardées et signalées ; les indicateurs les écartent.`,
  },
  heat_indicators_daily: {
    title: 'Indicateurs de chaleur journaliers par station',
    description: 'Par station Météo-France des départements de la Métropole et par jour : TN, TX, les indicateurs biométéorologiques IBMn et IBMx (moyennes sur 3 jours), la canicule au regard des seuils du département, les épisodes de canicule, nuits tropicales, jours chauds et très chauds.',
  },
  heat_indicators_commune_daily: {
    title: 'Indicateurs de chaleur journaliers par commune',
    description: 'Par commune de la Métropole et par jour : les indicateurs de chaleur de la station de référence du département de la commune (Paris-Montsouris pour Paris).',
  },
  predictions: {
    title: 'Prévisions',
    description: 'Prévisions des modèles de l’observatoire, une ligne par calcul, entité, grandeur, période visée et seuil. Quand un modèle ne bat pas sa prévision de référence sur la période d’évaluation, c’est la prévision de référence qui est publiée.',
  },
  model_evaluations: { title: 'Évaluations des modèles', description: 'Scores de chaque version de modèle et de ses prévisions de référence sur une période mise de côté après la fenêtre d’entraînement, par échéance.' },
  quarantine: { title: 'Quarantaine', description: 'Une ligne par enregistrement rejeté, et une par fichier illisible.' },
};
