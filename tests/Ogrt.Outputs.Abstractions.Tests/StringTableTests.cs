using System.Text;
using Ogrt.Outputs.Abstractions.Schema;

namespace Ogrt.Outputs.Abstractions.Tests;

public class StringTableTests
{
    [Test]
    public void Equal_bytes_give_the_same_string_instance()
    {
        var table = new StringTable();
        byte[] path = Encoding.UTF8.GetBytes("/usr/lib/x86_64-linux-gnu/libmpi.so.40");

        string first = table.Get(path);
        string second = table.Get(path.ToArray());

        Assert.That(second, Is.SameAs(first));
        Assert.That(second, Is.EqualTo("/usr/lib/x86_64-linux-gnu/libmpi.so.40"));
    }

    [Test]
    public void Values_that_share_every_hashed_sample_still_come_back_as_themselves()
    {
        // Same length, start, middle and end: only bytes between the samples differ.
        var table = new StringTable(capacity: 1);
        string a = "/opt/apps/AAAA/xxxxxxxxmiddle00xxxxxxxx/BBBB/lib/libfoo.so";
        string b = "/opt/apps/CCCC/xxxxxxxxmiddle00xxxxxxxx/DDDD/lib/libfoo.so";

        for (int i = 0; i < 3; i++)
        {
            Assert.That(table.Get(Encoding.UTF8.GetBytes(a)), Is.EqualTo(a));
            Assert.That(table.Get(Encoding.UTF8.GetBytes(b)), Is.EqualTo(b));
        }
    }

    [Test]
    public void Long_values_are_decoded_but_not_kept()
    {
        var table = new StringTable();
        byte[] cmdline = Encoding.UTF8.GetBytes(new string('a', StringTable.MaxPooledLength + 1));

        string first = table.Get(cmdline);
        string second = table.Get(cmdline);

        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(second, Is.EqualTo(first));
    }
}
