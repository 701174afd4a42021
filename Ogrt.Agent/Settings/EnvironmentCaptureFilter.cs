namespace Ogrt.Agent.Settings;

/// <summary>
/// Which environment variables to send (OGRT_ENV_CAPTURE): <c>none</c> (or empty), <c>all</c>,
/// or comma-separated rules on variable names. A rule is a glob (<c>SLURM_*</c>, <c>PATH</c>);
/// a rule starting with <c>!</c> excludes. A variable is sent when it matches an include rule
/// and no exclude rule, whatever the order, so <c>all,!*TOKEN*,!*SECRET*</c> sends everything
/// but those. <c>all</c> is the same as <c>*</c>.
/// </summary>
internal readonly ref struct EnvironmentCaptureFilter
{
    private readonly ReadOnlySpan<byte> _rules;

    public EnvironmentCaptureFilter(ReadOnlySpan<byte> rules)
    {
        _rules = rules;
    }

    public ReadOnlySpan<byte> Rules => _rules;

    /// <summary>True when no variable can match, so the environment need not be scanned.</summary>
    public bool CapturesNothing
    {
        get
        {
            foreach (var rule in new SeparatedValues(_rules, (byte)','))
            {
                if (!rule.IsEmpty && rule[0] != (byte)'!' && !rule.SequenceEqual("none"u8))
                    return false;
            }
            return true;
        }
    }

    public bool Matches(ReadOnlySpan<byte> name)
    {
        bool included = false;
        foreach (var rule in new SeparatedValues(_rules, (byte)','))
        {
            if (rule.IsEmpty)
                continue;
            if (rule[0] == (byte)'!')
            {
                if (RuleMatches(rule[1..], name))
                    return false;
            }
            else if (!included)
            {
                included = RuleMatches(rule, name);
            }
        }
        return included;
    }

    private static bool RuleMatches(ReadOnlySpan<byte> rule, ReadOnlySpan<byte> name) =>
        rule.SequenceEqual("all"u8) || (!rule.SequenceEqual("none"u8) && GlobPattern.Matches(rule, name));
}
