// Day, evening and night periods of the Lden indicator, in Europe/Paris local clock hours: the one
// place they are written. The SQL of the noise-indicators stage is generated from these values.

export const CONVENTIONS = ['eu', 'fr'] as const;
export type Convention = (typeof CONVENTIONS)[number];

export const PERIODS = ['day', 'evening', 'night'] as const;
export type Period = (typeof PERIODS)[number];

export interface PeriodHours {
  readonly day: number;
  readonly evening: number;
  readonly night: number;
}

export interface PeriodConvention {
  readonly name: Convention;
  /** local clock hour each period starts at; day < evening < night, night runs past midnight to day */
  readonly dayStart: number;
  readonly eveningStart: number;
  readonly nightStart: number;
  /** nominal period lengths weighting Lden (12 + 4 + 8 = 24, whatever the day's real length) */
  readonly hours: PeriodHours;
  readonly source: string;
}

export const PERIOD_CONVENTIONS: Readonly<Record<Convention, PeriodConvention>> = {
  eu: {
    name: 'eu',
    dayStart: 7,
    eveningStart: 19,
    nightStart: 23,
    hours: { day: 12, evening: 4, night: 8 },
    source: 'Directive 2002/49/EC, Annex I (default periods 07–19, 19–23, 23–07)',
  },
  fr: {
    name: 'fr',
    dayStart: 6,
    eveningStart: 18,
    nightStart: 22,
    hours: { day: 12, evening: 4, night: 8 },
    source: 'arrêté du 4 avril 2006 relatif à l’établissement des cartes de bruit et des plans de prévention du bruit dans l’environnement (06–18, 18–22, 22–06)',
  },
};
