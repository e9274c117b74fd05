import type { Column } from './declaration.ts';

// columns shared by several datasets, written once

export const dt: Column = {
  name: 'dt',
  type: 'string',
  partition: true,
  description: 'Partition: the Europe/Paris local calendar date (YYYY-MM-DD) of the record',
};

export const communeInsee: Column = {
  name: 'commune_insee',
  type: 'string',
  nullable: true,
  description: 'INSEE code of the commune of the Métropole du Grand Paris (NULL outside the Métropole or when unknown)',
};

export const sensorId: Column = {
  name: 'sensor_id',
  type: 'string',
  description: 'Sensor identifier: FIWARE refDevice, else refPointOfInterest, else loc:<lon>,<lat> (5 decimals)',
};

export const conventionColumn: Column = {
  name: 'convention',
  type: 'string',
  values: ['eu', 'fr'],
  description: 'Day/evening/night periods: eu = 07-19/19-23/23-07 (Directive 2002/49/EC), fr = 06-18/18-22/22-06 (arrêté du 4 avril 2006)',
};

export const level = (name: string, description: string): Column => ({
  name,
  type: 'double',
  unit: 'dB(A)',
  nullable: true,
  min: 0,
  max: 150,
  description,
});

export const OPEN_LICENCE = 'Licence Ouverte / Etalab 2.0';
