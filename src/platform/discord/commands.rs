//! Slash commands built from the shared command table, and their options bound back onto it.

use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::model::Permissions;
use serenity::model::application::{
    CommandData, CommandDataOption, CommandDataOptionValue, CommandOptionType, InteractionContext,
};

use crate::coach::commands::{COMMANDS, Kind, MODULE_MAX, Param, Spec};
use crate::coach::{Call, Catalog, UserError, grammar};
use crate::curriculum::Curriculum;
use crate::domain::DayNumber;

pub const NAME_MAX: usize = 32;
pub const DESCRIPTION_MAX: usize = 100;
/// Long enough for any cron line or checklist item, short enough to refuse a pasted essay.
const TEXT_MAX: u16 = 1000;
const WORD_MAX: u16 = 100;
const URL_MAX: u16 = 2000;

/// The ranges of day and module numbers over every loaded curriculum, for the options' min/max.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub days: (u32, u32),
    pub modules: (u32, u32),
}

impl Bounds {
    /// Without curricula (or modules) any positive number is offered; the coach still refuses
    /// days that do not exist.
    pub fn from_catalog(catalog: &Catalog) -> Bounds {
        Bounds::from_curricula(catalog.iter().map(|(_, c)| c))
    }

    /// Over any set of curricula: the files on disk and the versions running cohorts are on
    /// (`Coach::curricula_in_use`), whose days a file may no longer have.
    pub fn from_curricula<'a>(curricula: impl IntoIterator<Item = &'a Curriculum>) -> Bounds {
        let curricula: Vec<&Curriculum> = curricula.into_iter().collect();
        let days = curricula.iter().flat_map(|c| c.days().map(|d| d.day.get()));
        let modules = curricula.iter().flat_map(|c| c.sections.iter().filter_map(|s| s.module));
        let any_day = (DayNumber::MIN, DayNumber::MAX);
        let any_module = (1, MODULE_MAX as u32);
        Bounds { days: range(days).unwrap_or(any_day), modules: range(modules).unwrap_or(any_module) }
    }
}

fn range(numbers: impl Iterator<Item = u32>) -> Option<(u32, u32)> {
    numbers.fold(None, |acc, n| Some(acc.map_or((n, n), |(lo, hi)| (n.min(lo), n.max(hi)))))
}

/// One slash command per entry of the command table.
pub fn definitions(bounds: &Bounds) -> Vec<CreateCommand> {
    COMMANDS.iter().map(|spec| definition(spec, bounds)).collect()
}

fn definition(spec: &Spec, bounds: &Bounds) -> CreateCommand {
    let command = CreateCommand::new(spec.name).description(description(spec.about));
    let options = if spec.has_subcommands() {
        spec.subs
            .iter()
            .map(|sub| {
                CreateCommandOption::new(CommandOptionType::SubCommand, sub.name, description(sub.about))
                    .set_sub_options(options(sub.params, bounds))
            })
            .collect()
    } else {
        spec.subs.first().map(|sub| options(sub.params, bounds)).unwrap_or_default()
    };
    // Every command works on a server's cohort channel, so none is offered in DMs with the bot
    // (Discord's default is guild, bot DM and private channels; `contexts` replaces the
    // deprecated `dm_permission` and only matters for global commands, guild ones are guild-only).
    let command = command.set_options(options).contexts(vec![InteractionContext::Guild]);
    if spec.name == "studybot" {
        // Servers may grant it to others, so the coach checks the member's permissions again.
        command.default_member_permissions(Permissions::MANAGE_GUILD)
    } else {
        command
    }
}

/// Discord requires the required options first.
fn options(params: &[Param], bounds: &Bounds) -> Vec<CreateCommandOption> {
    let required = params.iter().filter(|p| p.required);
    let optional = params.iter().filter(|p| !p.required);
    required.chain(optional).map(|p| option(p, bounds)).collect()
}

fn option(param: &Param, bounds: &Bounds) -> CreateCommandOption {
    let new = |kind, about: &str| {
        CreateCommandOption::new(kind, param.name, description(about)).required(param.required)
    };
    match param.kind {
        Kind::Day => integer_range(
            new(CommandOptionType::Integer, param.about),
            bounds.days.0.into(),
            bounds.days.1.into(),
        ),
        Kind::Int => {
            let option = new(CommandOptionType::Integer, param.about);
            match param.name {
                "module" => integer_range(option, bounds.modules.0.into(), bounds.modules.1.into()),
                _ => integer_range(option, 1, MODULE_MAX),
            }
        }
        Kind::Bounded(min, max) => integer_range(new(CommandOptionType::Integer, param.about), min, max),
        Kind::Date => {
            let about = if param.about.contains("YYYY-MM-DD") {
                param.about.to_string()
            } else {
                format!("{} (YYYY-MM-DD)", param.about)
            };
            new(CommandOptionType::String, &about).min_length(10).max_length(10)
        }
        Kind::Word | Kind::Cycle => new(CommandOptionType::String, param.about).max_length(WORD_MAX),
        // A user picker; the interaction carries the user's id (`value` below).
        Kind::User => new(CommandOptionType::User, param.about),
        Kind::Text => new(CommandOptionType::String, param.about).max_length(TEXT_MAX),
        Kind::Url => new(CommandOptionType::String, param.about).max_length(URL_MAX),
        Kind::Flag => new(CommandOptionType::Boolean, param.about),
        Kind::Choice(choices) => choices
            .iter()
            .fold(new(CommandOptionType::String, param.about), |option, c| option.add_string_choice(*c, *c)),
    }
}

/// serenity takes unsigned bounds; a negative one is left to the grammar's own check.
fn integer_range(option: CreateCommandOption, min: i64, max: i64) -> CreateCommandOption {
    let option = match u64::try_from(min) {
        Ok(min) => option.min_int_value(min),
        Err(_) => option,
    };
    match u64::try_from(max) {
        Ok(max) => option.max_int_value(max),
        Err(_) => option,
    }
}

/// 1 to 100 characters, as Discord requires.
fn description(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "—".into();
    }
    if text.chars().count() <= DESCRIPTION_MAX {
        return text.to_string();
    }
    let mut out: String = text.chars().take(DESCRIPTION_MAX - 1).collect();
    out.push('…');
    out
}

/// The invoked command bound to the table: a subcommand's options, or the command's own.
pub fn call_from(data: &CommandData) -> Result<Call, UserError> {
    let (sub, options) = match data.options.first().map(|o| (&o.name, &o.value)) {
        Some((name, CommandDataOptionValue::SubCommand(inner))) => (name.as_str(), inner.as_slice()),
        Some((_, CommandDataOptionValue::SubCommandGroup(_))) => {
            return Err(UserError(format!("`/{}` has no subcommand groups.", data.name)));
        }
        _ => ("", data.options.as_slice()),
    };
    let mut values = Vec::new();
    for option in options {
        if let Some(text) = value(data, option)? {
            values.push((option.name.clone(), text));
        }
    }
    grammar::bind(&data.name, sub, &values)
}

/// The option's value as the grammar's text; an unset flag is simply left out.
fn value(data: &CommandData, option: &CommandDataOption) -> Result<Option<String>, UserError> {
    Ok(Some(match &option.value {
        CommandDataOptionValue::String(s) => s.clone(),
        CommandDataOptionValue::Integer(n) => n.to_string(),
        CommandDataOptionValue::Boolean(true) => "true".into(),
        CommandDataOptionValue::Boolean(false) => return Ok(None),
        CommandDataOptionValue::Number(n) => n.to_string(),
        CommandDataOptionValue::User(id) => id.to_string(),
        _ => {
            return Err(UserError(format!(
                "`/{}` cannot take `{}` in that form; `/help` shows the options.",
                data.name, option.name
            )));
        }
    }))
}

/// Admin commands are for members who may manage the server.
pub fn is_admin(permissions: Option<Permissions>) -> bool {
    permissions
        .is_some_and(|p| p.contains(Permissions::MANAGE_GUILD) || p.contains(Permissions::ADMINISTRATOR))
}

#[cfg(test)]
mod tests;
