"""numpy's legacy Mersenne Twister, replayed in pure Python for the golden generators."""


class LegacyMT19937:
    """numpy's legacy generator (numpy.random.seed(int) / RandomState(int)): init_genrand, 32-bit outputs,
    53-bit doubles, masked-rejection integers and Fisher-Yates shuffles, written out so a golden can say exactly
    which random numbers a reference library drew (AIF360's EqOdds and CalibratedEqOdds, imbalanced-learn's
    SMOTE), and fairlab can replay them. MT19937 is a public standard."""

    def __init__(self, seed):
        self.mt = [seed & 0xFFFFFFFF]
        for i in range(1, 624):
            prev = self.mt[-1]
            self.mt.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
        self.index = 624

    def next_uint32(self):
        if self.index >= 624:
            mt = self.mt
            for i in range(624):
                y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7FFFFFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.index = 0
        y = self.mt[self.index]
        self.index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y

    def random(self):  # 53-bit double in [0, 1)
        a = self.next_uint32() >> 5
        b = self.next_uint32() >> 6
        return (a * 67108864.0 + b) / 9007199254740992.0

    def bounded(self, upper):  # uniform in [0, upper] by masked rejection
        if upper == 0:
            return 0
        mask = upper
        for shift in (1, 2, 4, 8, 16):
            mask |= mask >> shift
        while True:
            value = self.next_uint32() & mask
            if value <= upper:
                return value

    def randint(self, high):  # uniform in [0, high): numpy's legacy randint for ranges below 2**32
        return self.bounded(high - 1)

    def shuffle(self, values):  # Fisher-Yates from the end
        values = list(values)
        for i in range(len(values) - 1, 0, -1):
            j = self.bounded(i)
            values[i], values[j] = values[j], values[i]
        return values
