package org.ecrreplicator.worker.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Builds the commands with picocli's programmatic model instead of its annotations
 * (docs/decisions/0019-cli-programmatic-model.md): reading annotations makes the JDK generate proxy classes
 * and reflective accessors at every start, which no class-data cache can keep, and the worker starts once
 * per replication.
 */
final class CommandSpecs {
    static final String VERSION = "replicator 0.1.0";

    private CommandSpecs() {}

    /**
     * A command running {@code command}, with {@code -h/--help} and {@code -V/--version}. The first line of
     * {@code description} is the one {@code replicator --help} lists: short enough for an 80-column listing
     * (LauncherHelpTest).
     */
    static CommandSpec command(Object command, String name, String... description) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name).version(VERSION);
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder("-h", "--help")
                .usageHelp(true)
                .description("Show this help message and exit.")
                .build());
        spec.addOption(OptionSpec.builder("-V", "--version")
                .versionHelp(true)
                .description("Print version information and exit.")
                .build());
        return spec;
    }

    /** A mixin: options that several commands share. */
    static CommandSpec mixin(OptionSpec... options) {
        CommandSpec spec = CommandSpec.create();
        for (OptionSpec option : options) {
            spec.addOption(option);
        }
        return spec;
    }

    static void exitCodes(CommandSpec spec, String... codeAndMeaning) {
        Map<String, String> codes = new LinkedHashMap<>();
        for (String entry : codeAndMeaning) {
            int colon = entry.indexOf(':');
            codes.put(entry.substring(0, colon), entry.substring(colon + 1));
        }
        spec.usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
    }

    static OptionSpec flag(String name, String description) {
        return OptionSpec.builder(name)
                .arity("0")
                .type(boolean.class)
                .initialValue(false)
                .description(description)
                .build();
    }

    static OptionSpec.Builder option(String name, String paramLabel, Class<?> type, String description) {
        return OptionSpec.builder(name).paramLabel(paramLabel).type(type).description(description);
    }

    static PositionalParamSpec positional(int index, String paramLabel, String description) {
        return PositionalParamSpec.builder()
                .index(Integer.toString(index))
                .arity("1")
                .required(true)
                .paramLabel(paramLabel)
                .type(String.class)
                .description(description)
                .build();
    }

    static boolean flag(CommandSpec spec, String name) {
        return Boolean.TRUE.equals(spec.findOption(name).getValue());
    }

    /** The option's value after parsing: what was given, else its default, else null. */
    static <T> T value(CommandSpec spec, String name) {
        return spec.findOption(name).getValue();
    }

    static String positional(CommandSpec spec, int index) {
        return spec.positionalParameters().get(index).getValue();
    }
}
