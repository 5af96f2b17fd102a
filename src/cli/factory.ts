// `walnut factory`: the factory station's offline tool (issue 14). `ca init` makes the factory's root and unit
// CAs once (factory-ca.ts); `provision` makes a batch of units' factory data and their labels
// (factory-provision.ts). Neither touches the network or a walnut data folder.
import { UsageError, type Command } from './command.ts';
import { optionsHelp, splitAction } from './options.ts';
import { CA_INIT_OPTIONS, parseCaInitArgs, runCaInit } from './factory-ca.ts';
import { PROVISION_OPTIONS, parseProvisionArgs, runProvision } from './factory-provision.ts';

export const factoryCommand: Command = {
  name: 'factory',
  summary: "the factory station's offline tool: the factory CAs, and each unit's identity, setup code and label",
  usage: [
    'factory ca init --out DIR [--passphrase-stdin]',
    'factory provision --ca DIR (--serials FILE.csv | --count N --serial-prefix P) --out BATCH',
  ],
  details: `ca init              a root CA (its key only passphrase-encrypted, root.key.enc) and the unit CA it signs
                       (intermediate.pem, intermediate.key), written to a new folder
${optionsHelp(CA_INIT_OPTIONS)}

provision            for each serial: units/SERIAL/ (unit.json, device.pem, device.key, ca.pem), then
                       labels.csv and labels.svg (the only copies of the setup codes) and manifest.csv
${optionsHelp(PROVISION_OPTIONS)}

Both write their folder whole or not at all, and refuse one that is not empty.`,
  run: async (argv, io) => {
    const { action, rest } = splitAction('factory', argv, ['ca', 'provision'] as const);
    if (action === 'provision') return runProvision(parseProvisionArgs(rest), io);
    const [sub, ...more] = rest;
    if (sub !== 'init') throw new UsageError(sub === undefined ? 'factory ca: say init' : `unknown factory ca command "${sub}" (one of: init)`);
    return runCaInit(parseCaInitArgs(more), io);
  },
};
