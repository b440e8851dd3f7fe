/**
 * The platform-neutral commands of commands/ as Discord application commands (slash commands), and
 * their registration: one bulk overwrite (PUT), globally or to one server, so running it again changes
 * nothing. Never done on start: `hugginggpt-bot deploy-commands` does it when the commands change.
 */
import {
  type APIApplicationCommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  Routes,
} from "discord.js";
import type { CommandDefinition, CommandOption } from "../../src/core/types.js";

/** Discord's limits on a command: names are lowercase words of 1-32 characters, descriptions 1-100. */
const NAME_LENGTH = 32;
const DESCRIPTION_LENGTH = 100;

/**
 * The Discord name of a command option: the first file of `ask` is `file` (then `file2`…), as users
 * expect; every other name is the definition's own.
 */
export function discordOptionName(option: Pick<CommandOption, "name">): string {
  return option.name === "file1" ? "file" : option.name;
}

function description(text: string): string {
  return text.length <= DESCRIPTION_LENGTH ? text : `${text.slice(0, DESCRIPTION_LENGTH - 1)}…`;
}

/**
 * The slash command JSON of each definition: string options as String (with their choices),
 * attachment options as Attachment; required options first (Discord refuses an optional one before a required one).
 *
 * @example slashCommands(COMMANDS) // [{ name: "ask", options: [{ name: "prompt", type: 3, required: true }, { name: "file", type: 11 }, …] }, …]
 */
export function slashCommands(
  commands: readonly CommandDefinition[],
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.map((command) => ({
    type: ApplicationCommandType.ChatInput,
    name: command.name.toLowerCase().slice(0, NAME_LENGTH),
    description: description(command.description),
    options: [...command.options]
      .sort((left, right) => Number(right.required) - Number(left.required))
      .map((option): APIApplicationCommandOption => {
        const common = {
          name: discordOptionName(option).toLowerCase().slice(0, NAME_LENGTH),
          description: description(option.description),
          required: option.required,
        };
        return option.type === "attachment"
          ? { ...common, type: ApplicationCommandOptionType.Attachment }
          : {
              ...common,
              type: ApplicationCommandOptionType.String,
              ...(option.choices
                ? { choices: option.choices.map((choice) => ({ name: choice, value: choice })) }
                : {}),
            };
      }),
  }));
}

export interface DeployOptions {
  token: string;
  /** The application id; read from the token's application (`/oauth2/applications/@me`) when undefined. */
  applicationId?: string;
  /** One server to register to (instant); undefined: globally (may take a while to show everywhere). */
  guildId?: string;
  /** REST base, `https://discord.com/api` (DISCORD_API_URL). */
  apiUrl: string;
  commands: readonly CommandDefinition[];
}

/** What deploy-commands did, for its one line of output. */
export interface DeployResult {
  applicationId: string;
  scope: "global" | "guild";
  names: string[];
}

/**
 * Registers the commands with one PUT (bulk overwrite): commands not listed are removed, listed ones
 * created or updated; the same call twice leaves the same commands.
 */
export async function deployCommands(options: DeployOptions): Promise<DeployResult> {
  const rest = new REST({ api: options.apiUrl }).setToken(options.token);
  let applicationId = options.applicationId;
  if (!applicationId) {
    const application = (await rest.get(Routes.currentApplication())) as { id: string };
    applicationId = application.id;
  }
  const body = slashCommands(options.commands);
  const route = options.guildId
    ? Routes.applicationGuildCommands(applicationId, options.guildId)
    : Routes.applicationCommands(applicationId);
  await rest.put(route, { body });
  return {
    applicationId,
    scope: options.guildId ? "guild" : "global",
    names: body.map((command) => command.name),
  };
}
