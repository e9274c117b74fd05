// The Seine and the Marne through the Métropole du Grand Paris as coarse polylines ([lon, lat], WGS84),
// upstream to downstream. Hand-placed on the main bridges and bends named in the comments: accurate to
// a few hundred metres, enough for a proximity factor that decays over a kilometre, not for mapping.
// Replace with the IGN BD TOPO / BD TOPAGE watercourse geometry for anything finer.

export interface River {
  readonly name: string;
  readonly line: readonly (readonly [number, number])[];
}

export const RIVERS: readonly River[] = [
  {
    name: 'Seine',
    line: [
      [2.3875, 48.688], // Juvisy-sur-Orge / Viry-Châtillon
      [2.405, 48.705], // Athis-Mons
      [2.42, 48.727], // Villeneuve-le-Roi / Ablon
      [2.415, 48.762], // Choisy-le-Roi
      [2.412, 48.792], // Vitry-sur-Seine / Alfortville (Port-à-l'Anglais)
      [2.414, 48.8155], // confluence with the Marne (Charenton / Alfortville)
      [2.398, 48.827], // Ivry-sur-Seine / Charenton (pont National)
      [2.38, 48.8365], // Bercy
      [2.366, 48.8445], // Austerlitz
      [2.351, 48.853], // Île de la Cité
      [2.338, 48.858], // Pont Neuf
      [2.318, 48.864], // Concorde
      [2.301, 48.8635], // Alma
      [2.29, 48.8585], // Iéna
      [2.28, 48.851], // Bir-Hakeim / Grenelle
      [2.27, 48.838], // Garigliano
      [2.255, 48.826], // Issy-les-Moulineaux / Boulogne-Billancourt (île Saint-Germain)
      [2.232, 48.826], // Sèvres
      [2.221, 48.844], // Saint-Cloud
      [2.226, 48.868], // Suresnes
      [2.258, 48.886], // Neuilly / Puteaux
      [2.277, 48.898], // Levallois / Courbevoie
      [2.301, 48.907], // Clichy
      [2.33, 48.917], // Saint-Ouen / Gennevilliers
      [2.346, 48.932], // Saint-Denis / L'Île-Saint-Denis
      [2.33, 48.946], // Villeneuve-la-Garenne / Épinay-sur-Seine
      [2.29, 48.948], // Gennevilliers / Argenteuil
      [2.255, 48.943], // Argenteuil bridge
      [2.218, 48.933], // Colombes / Bezons
      [2.19, 48.905], // Nanterre
      [2.16, 48.885], // Rueil-Malmaison / Chatou
    ],
  },
  {
    name: 'Marne',
    line: [
      [2.575, 48.857], // Gournay-sur-Marne / Noisy-le-Grand
      [2.54, 48.856], // Neuilly-sur-Marne
      [2.52, 48.842], // Bry-sur-Marne
      [2.485, 48.835], // Nogent-sur-Marne / Le Perreux
      [2.468, 48.822], // Joinville-le-Pont
      [2.49, 48.813], // Saint-Maur-des-Fossés (north of the loop)
      [2.515, 48.808], // Champigny-sur-Marne
      [2.53, 48.795], // Chennevières-sur-Marne
      [2.515, 48.776], // Bonneuil-sur-Marne / Sucy
      [2.48, 48.779], // Créteil
      [2.455, 48.79], // Créteil / Saint-Maur (west of the loop)
      [2.44, 48.804], // Maisons-Alfort
      [2.414, 48.8155], // confluence with the Seine
    ],
  },
];
